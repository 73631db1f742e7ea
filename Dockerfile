# hawser's image: a static binary on an empty base.
#
#   docker build -t hawser:local .
#
# To build the same runtime image without pulling anything (no registry), build the binary on
# the host and use docker/runtime.Dockerfile, whose runtime stage is identical (a test checks):
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
#   scripts/rootfs target/x86_64-unknown-linux-gnu/release/hawser build/rootfs
#   DOCKER_BUILDKIT=0 docker build -f docker/runtime.Dockerfile -t hawser:local build/rootfs

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN target="$(uname -m)-unknown-linux-gnu" \
 && RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target "$target" \
 && scripts/rootfs "target/$target/release/hawser" /rootfs

# --- runtime (keep in step with docker/runtime.Dockerfile) ---
FROM scratch
COPY --from=build /rootfs/ /
USER 10001:10001
EXPOSE 80 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/hawser", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/hawser"]
