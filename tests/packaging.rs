//! The files users deploy from: the example stack, the two Dockerfiles, the healthcheck.

mod support;

use std::process::Command;
use std::time::Duration;

use support::hawser::Hawser;

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|err| panic!("{full}: {err}"))
}

/// The lines of one top-level service block of a stack file (`  name:` up to the next one).
fn service_block(stack: &str, name: &str) -> String {
    let header = format!("  {name}:");
    let mut lines = stack.lines().skip_while(|line| *line != header);
    let mut block = vec![lines.next().unwrap_or_else(|| panic!("no service {name}"))];
    block.extend(
        lines.take_while(|line| {
            line.is_empty() || line.starts_with("   ") || line.starts_with("  #")
        }),
    );
    block.join("\n").trim_end().to_owned()
}

#[test]
fn the_example_stack_is_the_seed_stack_with_only_the_proxy_changed() {
    let seed = read("tests/fixtures/seed-stack.yml");
    let example = read("examples/stack.yml");
    for service in ["ping", "hello"] {
        assert_eq!(
            service_block(&example, service),
            service_block(&seed, service),
            "{service}"
        );
    }
    let networks = |stack: &str| {
        stack[stack.find("\nnetworks:").expect("networks")..]
            .trim()
            .to_owned()
    };
    assert_eq!(networks(&example), networks(&seed));
    let proxy = service_block(&example, "hawser");
    for needed in [
        "node.role == manager",
        "/var/run/docker.sock:/var/run/docker.sock:ro",
        "mode: host",
        "traefik.enable=false",
        "delay: 0s",
    ] {
        assert!(proxy.contains(needed), "the proxy service needs {needed}");
    }
}

/// The runtime instructions after the `--- runtime` marker, without the COPY source line.
fn runtime_stage(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .skip_while(|line| !line.starts_with("# --- runtime"))
        .skip(1)
        .filter(|line| !line.trim().is_empty() && !line.starts_with("COPY"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn both_dockerfiles_build_the_same_runtime_image() {
    let full = runtime_stage(&read("Dockerfile"));
    let local = runtime_stage(&read("docker/runtime.Dockerfile"));
    assert!(
        full.iter()
            .any(|line| line.starts_with("STOPSIGNAL SIGTERM"))
    );
    assert!(full.iter().any(|line| line.starts_with("USER 10001")));
    assert!(
        full.iter()
            .any(|line| line.contains("hawser\", \"healthcheck\""))
    );
    assert_eq!(full, local);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_exits_zero_only_when_the_admin_listener_answers() {
    let routes = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(routes.path(), "services = []\n").expect("write");
    let path = routes.path().to_str().expect("utf-8");
    let mut hawser = Hawser::start(&["--no-docker", "--file", path]).await;
    let check = |address: String| {
        Command::new(env!("CARGO_BIN_EXE_hawser"))
            .args(["healthcheck", "--timeout", "2s"])
            .env("HAWSER_ADMIN_LISTEN", address)
            .output()
            .expect("run healthcheck")
    };
    let healthy = check(hawser.admin.to_string());
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    hawser.terminate();
    hawser.wait_exit(Duration::from_secs(10)).await;
    let down = check(hawser.admin.to_string());
    assert!(!down.status.success());
    assert!(String::from_utf8_lossy(&down.stderr).contains(&hawser.admin.to_string()));
}
