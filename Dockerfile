# Multi-stage build of the API: a Rust builder, then a slim runtime with the one binary.
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/porchlight porchlight \
    && mkdir -p /var/lib/porchlight && chown porchlight /var/lib/porchlight
COPY --from=builder /src/target/release/porchlight /usr/local/bin/porchlight
USER porchlight
WORKDIR /var/lib/porchlight
ENV BIND_ADDR=0.0.0.0:8080 LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["porchlight"]
CMD ["serve"]
