# Parley: build the jar (Maven + the npm registry for the browser libraries), run it on a JRE.
FROM maven:3.9-eclipse-temurin-17 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml package.json package-lock.json ./
RUN mvn -B -q dependency:go-offline
COPY conf conf
COPY webroot webroot
COPY src src
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app parley
WORKDIR /app
COPY --from=build /src/target/parley.jar /app/parley.jar
USER parley
EXPOSE 8080 5701
# SIGTERM from `docker stop` triggers Parley's graceful shutdown; give it the grace period.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/parley.jar"]
