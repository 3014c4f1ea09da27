package io.parley.testing;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a Node script of the suite (src/test/js) to its end and hands back the JSON object it printed on
 * its last line; a script that fails, hangs past the timeout or prints no JSON fails the test with its
 * whole output. Node is a build prerequisite: a missing one fails, never skips.
 */
public final class NodeScript {

  private NodeScript() {
  }

  public static JsonObject run(String script, long timeoutSeconds, Map<String, String> environment, String... args) throws Exception {
    return runFile(Path.of("src/test/js", script), timeoutSeconds, environment, args);
  }

  /** Runs a script by its path (its own folder's node_modules apply, as for any Node script). */
  public static JsonObject runFile(Path script, long timeoutSeconds, Map<String, String> environment, String... args) throws Exception {
    String[] command = new String[args.length + 2];
    command[0] = "node";
    command[1] = script.toAbsolutePath().toString();
    System.arraycopy(args, 0, command, 2, args.length);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(finished, script + " finished within " + timeoutSeconds + " s: " + output);
    assertEquals(0, process.exitValue(), output);
    return new JsonObject(output.substring(output.lastIndexOf('\n') + 1));
  }
}
