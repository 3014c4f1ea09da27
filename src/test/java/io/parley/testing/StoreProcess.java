package io.parley.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The embedded MongoDB-wire store on its own ({@code io.parley.store.StandaloneStore}) in a child JVM,
 * on a port and data directory fixed for the test, so it can be killed (kill -9), frozen (SIGSTOP) and
 * thawed (SIGCONT), and started again where its clients expect it:
 * {@code @RegisterExtension @Order(1) final StoreProcess store = new StoreProcess();} before the nodes
 * that use it ({@link #connectionString()}). Output goes to {@code store.log} in its directory.
 */
public final class StoreProcess implements BeforeEachCallback, AfterEachCallback {

  private final int port = NodeProcess.freePort();
  private Path dir;
  private Process process;
  private boolean frozen;

  public String connectionString() {
    return "mongodb://127.0.0.1:" + port;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("parley-store-");
    start();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    kill();
    ParleyNodeExtension.deleteTree(dir);
  }

  /** Starts the store on this port and data (again, after {@link #kill()}); returns once it accepts connections. */
  public void start() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.parley.store.StandaloneStore",
      dir.resolve("data").toString(), String.valueOf(port))
      .redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
      .start();
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("store exited with " + process.exitValue() + ":\n" + Files.readString(log()));
      }
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("store did not listen on " + port + " within 30 s:\n" + Files.readString(log()));
  }

  /** kill -9 (a frozen store too); returns once the process is gone. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      frozen = false;
    }
  }

  /** SIGSTOP: the port stays open and the kernel keeps accepting connections, but nothing answers. */
  public void freeze() throws Exception {
    signal("STOP");
    frozen = true;
  }

  /** SIGCONT: the store carries on with what it was sent meanwhile. */
  public void thaw() throws Exception {
    if (frozen) {
      signal("CONT");
      frozen = false;
    }
  }

  public Path log() {
    return dir.resolve("store.log");
  }

  private void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
    }
  }
}
