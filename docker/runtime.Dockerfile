# hawser's runtime image from a prepared root filesystem (see scripts/rootfs): no base image is
# pulled, so it builds where no registry is reachable.
#
#   DOCKER_BUILDKIT=0 docker build -f docker/runtime.Dockerfile -t hawser:local build/rootfs

# --- runtime (keep in step with the Dockerfile) ---
FROM scratch
COPY / /
USER 10001:10001
EXPOSE 80 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/hawser", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/hawser"]
