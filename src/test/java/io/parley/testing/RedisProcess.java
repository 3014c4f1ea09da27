package io.parley.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server (Debian's, installed by scripts/test.sh) on a free loopback port, without
 * persistence. A missing binary fails the test: it never skips.
 */
public final class RedisProcess implements AutoCloseable {

  private final int port;
  private final Path dir;
  private Process process;

  public RedisProcess() throws IOException {
    this(NodeProcess.freePort());
  }

  private RedisProcess(int port) throws IOException {
    this.port = port;
    this.dir = Files.createTempDirectory("parley-redis-");
  }

  /** A server on a given port, e.g. to restart Redis where clients expect it. */
  public static RedisProcess onPort(int port) throws IOException {
    return new RedisProcess(port);
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public RedisProcess start() throws Exception {
    String binary = Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server" : "redis-server";
    process = new ProcessBuilder(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1",
      "--save", "", "--appendonly", "no", "--dir", dir.toString())
      .redirectErrorStream(true)
      .redirectOutput(dir.resolve("redis.log").toFile())
      .start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return this;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new AssertionError("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
        }
        Thread.sleep(20);
      }
    }
    throw new AssertionError("redis-server did not listen within 10 s");
  }

  /** kill -9, as a crash would. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
