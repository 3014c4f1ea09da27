package io.parley.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The HS256 secret that signs access tokens. Configured explicitly in a cluster; on a single node
 * with none configured, one is generated once and kept under the data directory, so tokens stay
 * valid across restarts.
 */
public final class SigningSecret {

  static final String FILE = "jwt-secret";

  private SigningSecret() {
  }

  /** Blocking file access: call from main before deploying. */
  public static String resolve(String configured, Path dataDir) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    Path file = dataDir.resolve(FILE);
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      Files.createDirectories(dataDir);
      byte[] random = new byte[48];
      new SecureRandom().nextBytes(random);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Path tmp = dataDir.resolve(FILE + ".tmp");
      Files.writeString(tmp, secret, StandardCharsets.UTF_8);
      restrict(tmp);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the token signing secret in " + dataDir.toAbsolutePath(), e);
    }
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, Set.copyOf(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      // Non-POSIX file systems keep their default permissions.
    }
  }
}
