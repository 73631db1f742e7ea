"""The targets under test, as data. Each proxy is a small adapter:
a config template (bench/conf/), a start command, an optional readiness URL
and a version command. Everything else (pinning, route probe, measurement)
is generic and lives in bench/run and benchlib/load.py."""
import os
import re
import shutil

CONF_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conf")
REPO = os.path.dirname(os.path.dirname(CONF_DIR))
HAWSER_BIN = os.path.join(REPO, "target", "release", "hawser")

# name -> adapter. Placeholders in argv/env/ready_url: {bin} {dir} {config}
# {port} {admin_port} {workers}, and in TLS scenarios {tls_port} {cert} {key} {cert_and_key}.
# `template` is rendered with render() below; a TLS scenario uses `tls_template`
# and `tls_argv` (default: argv) instead; a target without `tls_template` is
# skipped there.
ADAPTERS = {
    "direct": dict(
        direct=True,  # no proxy: the load generator talks to the backend
    ),
    "nginx": dict(
        bin=lambda: shutil.which("nginx"),
        template="nginx.conf.tmpl", config="nginx.conf", tls_template="nginx-tls.conf.tmpl",
        argv=["{bin}", "-p", "{dir}/", "-c", "{config}", "-e", "{dir}/nginx-error.log"],
        version=["{bin}", "-v"],
    ),
    "haproxy": dict(
        bin=lambda: shutil.which("haproxy"),
        template="haproxy.cfg.tmpl", config="haproxy.cfg", tls_template="haproxy-tls.cfg.tmpl",
        argv=["{bin}", "-db", "-f", "{config}"],
        version=["{bin}", "-v"],
    ),
    "caddy": dict(
        bin=lambda: shutil.which("caddy"),
        template="Caddyfile.tmpl", config="Caddyfile",
        argv=["{bin}", "run", "--config", "{config}", "--adapter", "caddyfile"],
        # 1 worker thread; private HOME/XDG dirs so nothing touches the system's.
        env={"GOMAXPROCS": "{workers}", "HOME": "{dir}", "XDG_DATA_HOME": "{dir}/xdg-data",
             "XDG_CONFIG_HOME": "{dir}/xdg-config"},
        version=["{bin}", "version"],
    ),
    "hawser": dict(
        bin=lambda: HAWSER_BIN if os.access(HAWSER_BIN, os.X_OK) else None,
        template="hawser.toml.tmpl", config="routes.toml",
        argv=["{bin}", "--no-docker", "--file", "{config}",
              "--listen", "127.0.0.1:{port}", "--admin-listen", "127.0.0.1:{admin_port}",
              "--workers", "{workers}", "--access-log", "off", "--log-level", "warn"],
        tls_template="hawser.toml.tmpl",
        tls_argv=["{bin}", "--no-docker", "--file", "{config}",
                  "--entrypoint", "web=127.0.0.1:{port},websecure=127.0.0.1:{tls_port};tls",
                  "--tls-cert", "{cert}", "--tls-key", "{key}",
                  "--admin-listen", "127.0.0.1:{admin_port}",
                  "--workers", "{workers}", "--access-log", "off", "--log-level", "warn"],
        ready_url="http://127.0.0.1:{admin_port}/ping",
        version=["{bin}", "--version"],
        missing_hint="not built: target/release/hawser missing",
    ),
}

ORDER = ["direct", "nginx", "haproxy", "caddy", "hawser"]


def routes_table(n):
    """The route table: 1 route (/bench) or n routes svc0..svc{n-1}.
    Returns (routes, the route requests are sent to = the last defined)."""
    if n == 1:
        routes = [dict(name="bench", prefix="/bench")]
    else:
        routes = [dict(name=f"svc{i}", prefix=f"/svc{i}/") for i in range(n)]
    return routes, routes[-1]


def request_path(target, route, body):
    """Path the load generator requests; the backend must receive /<body>."""
    if ADAPTERS[target].get("direct"):
        return "/" + body
    return route["prefix"].rstrip("/") + "/" + body


_EACH = re.compile(r"^\{\{each_route ([\w.\-]+)\}\}\n?", re.M)
_VAR = re.compile(r"\{\{(\w+)\}\}")


def _subst(text, vars_):
    def rep(m):
        if m.group(1) not in vars_:
            raise KeyError(f"template variable {m.group(1)!r} not provided")
        return str(vars_[m.group(1)])
    return _VAR.sub(rep, text)


def render(template, vars_, routes):
    """Render bench/conf/<template>: {{var}} substitution, and every line
    `{{each_route SNIPPET}}` is replaced by SNIPPET rendered once per route
    (with name, prefix, prefix_slash, prefix_noslash added to the variables)."""
    with open(os.path.join(CONF_DIR, template)) as f:
        text = f.read()

    def each(m):
        with open(os.path.join(CONF_DIR, m.group(1))) as f:
            snippet = f.read()
        parts = []
        for r in routes:
            rv = dict(vars_, name=r["name"], prefix=r["prefix"],
                      prefix_slash=r["prefix"].rstrip("/") + "/",
                      prefix_noslash=r["prefix"].rstrip("/"))
            parts.append(_subst(snippet, rv))
        return "".join(parts)

    return _subst(_EACH.sub(each, text), vars_)


def fill(value, ctx):
    """Expand {placeholders} in an argv element / env value / URL."""
    return value.format(**ctx)
