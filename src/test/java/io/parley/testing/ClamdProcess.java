package io.parley.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A real clamd (Debian's clamav-daemon, installed by scripts/test.sh) on a free loopback port, started
 * before each test and killed after it:
 * {@code @RegisterExtension @Order(1) final ClamdProcess clamd = new ClamdProcess();} (order it before the
 * nodes that use it, so it outlives them), then give the nodes {@code PARLEY_ATTACHMENTS_CLAMD=}
 * {@link #address()}. On a static field, one per class. A missing binary fails the test: it never skips.
 *
 * <p>Real rather than a fake, because what the attachment scanner has to get right is clamd's own
 * behaviour: the INSTREAM framing, the reply when a stream passes {@code StreamMaxLength}, the connection
 * it closes under a client still writing, archives unpacked before matching. No signature download is
 * possible here (nor wanted in a test), so the database is one signature written into the temp dir: the
 * EICAR test string as an {@code .ndb} body signature, matched anywhere in a file — so also inside a zip,
 * gzip or tar that clamd unpacks ({@code ScanArchive yes}). An {@code .hdb} MD5 signature would only match
 * the bare 68-byte file. clamd reports a signature from an unsigned database with {@code .UNOFFICIAL}
 * appended: {@link #EICAR_SIGNATURE}. Without the official databases it starts in well under a second.
 *
 * <p>The limits are raised to 400M so a test can stream a 300 MB file; clamd spools each stream to a temp
 * file, kept in this process's dir so a kill -9 leaves nothing behind in /tmp. No {@code User} line: it
 * runs as whoever runs the tests.
 */
public final class ClamdProcess extends TestScoped {

  /** The EICAR anti-virus test file: harmless, and every scanner reports it (this one by our signature). */
  public static final byte[] EICAR =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*".getBytes(StandardCharsets.US_ASCII);

  /** The name clamd gives {@link #EICAR}: {@code stream: Parley-Test-EICAR.UNOFFICIAL FOUND}. */
  public static final String EICAR_SIGNATURE = "Parley-Test-EICAR.UNOFFICIAL";

  /** StreamMaxLength, MaxFileSize and MaxScanSize, in clamd's notation. */
  public static final String LIMIT = "400M";

  private static final String HOST = "127.0.0.1";

  private final int port = NodeProcess.freePort();
  private Path dir;
  private Process process;

  public String host() {
    return HOST;
  }

  public int port() {
    return port;
  }

  /** host:port, the form of {@code attachments.clamd}. */
  public String address() {
    return HOST + ":" + port;
  }

  @Override
  protected void open() throws Exception {
    dir = Files.createTempDirectory("parley-clamd-");
    Files.createDirectories(dir.resolve("db"));
    Files.createDirectories(dir.resolve("tmp"));
    Files.writeString(dir.resolve("db/parley-test.ndb"),
      "Parley-Test-EICAR:0:*:" + HexFormat.of().formatHex(EICAR) + "\n");
    Files.writeString(dir.resolve("clamd.conf"), String.join("\n",
      "TCPSocket " + port,
      "TCPAddr " + HOST,
      "Foreground yes",
      "DatabaseDirectory " + dir.resolve("db"),
      "TemporaryDirectory " + dir.resolve("tmp"),
      "LogFile " + dir.resolve("clamd.log"),
      "LogTime yes",
      "StreamMaxLength " + LIMIT,
      "MaxFileSize " + LIMIT,
      "MaxScanSize " + LIMIT,
      "ScanArchive yes",
      // no reloading of the database behind a test's back, no bytecode database to look for
      "SelfCheck 0",
      "Bytecode no",
      ""));
    start();
  }

  @Override
  protected void close() throws Exception {
    kill();
    ParleyNodeExtension.deleteTree(dir);
  }

  /**
   * Starts clamd on this port (again, after {@link #kill()}: where clients expect it) and returns once it
   * answers {@code zPING} with {@code PONG}, i.e. once its database is loaded and it accepts scans.
   */
  public void start() throws Exception {
    String binary = Files.isExecutable(Path.of("/usr/sbin/clamd")) ? "/usr/sbin/clamd" : "clamd";
    try {
      process = new ProcessBuilder(binary, "--config-file=" + dir.resolve("clamd.conf"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("clamd.out").toFile()))
        .start();
    } catch (IOException e) {
      throw new AssertionError("cannot run clamd (scripts/test.sh installs Debian's clamav-daemon)", e);
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (pong()) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError("clamd exited: " + Files.readString(dir.resolve("clamd.out")));
      }
      Thread.sleep(20);
    }
    throw new AssertionError("clamd did not answer PING within 60 s: " + Files.readString(dir.resolve("clamd.out")));
  }

  private boolean pong() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), 1000);
      socket.setSoTimeout(1000);
      socket.getOutputStream().write("zPING\0".getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      return new String(in.readNBytes(5), StandardCharsets.US_ASCII).equals("PONG\0");
    } catch (IOException notYet) {
      return false;
    }
  }

  /** kill -9, as a crash would. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
