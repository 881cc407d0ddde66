# Amend host, JVM build. Build the app first, then the image:
#   mvn -B -ntp -DskipTests -pl platform/server -am package
#   docker build -t amend-host .
#   docker run -p 8080:8080 -e AMEND_AUTH_TOKEN=<secret> -v amend-data:/data -v amend-cache:/cache -v $PWD/plugins:/plugins amend-host
# Volumes: /data (the edit ledger: journal and deltas), /plugins (editor/evaluator jars, hot-loaded),
# /cache (DJL's unpacked natives in /cache/djl, Amend's layer statistics and unpacked demo model in /cache/amend).
FROM eclipse-temurin:17-jre

ENV LANG=C.UTF-8 \
    DJL_CACHE_DIR=/cache/djl \
    AMEND_CACHE_DIR=/cache/amend

RUN mkdir -p /deployments /data /plugins /cache/djl /cache/amend \
    && useradd --system --uid 1001 --home-dir /deployments amend \
    && chown -R 1001 /data /plugins /cache

COPY --chown=1001 platform/server/target/quarkus-app/lib/ /deployments/lib/
COPY --chown=1001 platform/server/target/quarkus-app/*.jar /deployments/
COPY --chown=1001 platform/server/target/quarkus-app/app/ /deployments/app/
COPY --chown=1001 platform/server/target/quarkus-app/quarkus/ /deployments/quarkus/

USER 1001
WORKDIR /deployments
VOLUME ["/data", "/plugins", "/cache"]
EXPOSE 8080

# REST and gRPC on port 8080. Mutating calls need AMEND_AUTH_TOKEN (unset: they are refused).
CMD ["java", "-XX:MaxRAMPercentage=75", "-Dai.djl.offline=true", "-DDJL_CACHE_DIR=/cache/djl", "-Damend.cache.dir=/cache/amend", "-Dai.djl.pytorch.num_interop_threads=1", "-Dquarkus.http.host=0.0.0.0", "-Dquarkus.http.port=8080", "-Damend.data-dir=/data", "-Damend.plugins.dir=/plugins", "-jar", "/deployments/quarkus-run.jar"]
