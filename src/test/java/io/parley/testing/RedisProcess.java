package io.parley.testing;


import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server (Debian's, installed by scripts/test.sh) on a free loopback port, without
 * persistence, started before each test and killed after it:
 * {@code @RegisterExtension @Order(1) final RedisProcess redis = new RedisProcess();} (order it before the
 * nodes that use it, so it outlives them). On a static field, one per class. A missing binary fails the
 * test: it never skips.
 */
public final class RedisProcess extends TestScoped {

  private final int port = NodeProcess.freePort();
  private Path dir;
  private Process process;

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  protected void open() throws Exception {
    dir = Files.createTempDirectory("parley-redis-");
    start();
  }

  @Override
  protected void close() throws Exception {
    kill();
    ParleyNodeExtension.deleteTree(dir);
  }

  /** Starts redis-server on this port (again, after {@link #kill()}: where clients expect it). */
  public void start() throws Exception {
    String binary = Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server" : "redis-server";
    process = new ProcessBuilder(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1",
      "--save", "", "--appendonly", "no", "--dir", dir.toString())
      .redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
      .start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
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
}
