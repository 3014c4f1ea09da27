package io.parley.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Parley node in its own JVM ({@code io.parley.Main}, as {@code java -jar} runs it), for tests that
 * need a real crash (kill -9) or a real restart. Output goes to {@code node-<port>.log} in the work dir.
 */
public final class NodeProcess {

  private final Path workDir;
  private final int port;
  private final Map<String, String> env;
  private final List<String> jvmOptions = new ArrayList<>();
  private Process process;

  public NodeProcess(Path workDir, Map<String, String> extraEnv) {
    this.workDir = workDir;
    this.port = freePort();
    this.env = new HashMap<>(extraEnv);
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** Options for the child's {@code java} command before the class path, e.g. {@code -Xmx96m}; set before {@link #start()}. */
  public NodeProcess jvmOptions(List<String> options) {
    jvmOptions.addAll(options);
    return this;
  }

  public Path log() {
    return workDir.resolve("node-" + port + ".log");
  }

  /** Starts the JVM and waits until /health answers 200. */
  public NodeProcess start() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.parley.Main"));
    ProcessBuilder builder = new ProcessBuilder(command)
      .directory(workDir.toFile())
      .redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
    builder.environment().put("PARLEY_HTTP_PORT", String.valueOf(port));
    builder.environment().put("PARLEY_HTTP_HOST", "127.0.0.1");
    builder.environment().put("PARLEY_MONGO_EMBEDDED_DATA_DIR", workDir.resolve("data").toString());
    builder.environment().putAll(ParleyNodeExtension.testEnvironment());
    builder.environment().putAll(env);
    process = builder.start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("node exited with " + process.exitValue() + ":\n" + Files.readString(log()));
      }
      if (healthy()) {
        return this;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node did not become healthy within 60 s:\n" + Files.readString(log()));
  }

  /** kill -9: no shutdown hook, no flush, nothing the process can do. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, as an orchestrator stops a node; returns the exit code. */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("node did not stop within 30 s of SIGTERM");
    }
    return process.exitValue();
  }

  /** The child's process id, e.g. for {@code jcmd}. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  private boolean healthy() {
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health").toURL().openConnection();
      connection.setConnectTimeout(500);
      connection.setReadTimeout(500);
      return connection.getResponseCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "node on " + port + " in " + workDir + File.separator;
  }
}
