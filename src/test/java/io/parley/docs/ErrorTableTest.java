package io.parley.docs;

import io.parley.common.CommonError;
import io.parley.common.ErrorCode;
import io.parley.gateway.errors.GatewayErrors;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The error table in docs/PROTOCOL.md is what client authors code against: it must list exactly the
 * codes the server can answer, with the same failureCode and HTTP status, so the two cannot drift.
 */
class ErrorTableTest {

  /** A row of the table: | `CODE` | failureCode | HTTP | when |. */
  private static final Pattern ROW = Pattern.compile("^\\| `([A-Z_]+)` \\| (\\d+) \\| (\\d+) \\|.*$");

  @Test
  void protocol_md_lists_every_error_code_with_its_failure_code_and_status() throws Exception {
    Map<String, String> documented = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of("docs/PROTOCOL.md"))) {
      Matcher row = ROW.matcher(line);
      if (row.matches()) {
        String clash = documented.put(row.group(1), row.group(2) + " / HTTP " + row.group(3));
        assertEquals(null, clash, row.group(1) + " is documented twice");
      }
    }
    assertFalse(documented.isEmpty(), "docs/PROTOCOL.md has an error table");

    List<ErrorCode> declared = new ArrayList<>(Arrays.asList(CommonError.values()));
    GatewayErrors.DECLARED.forEach(codes -> declared.addAll(Arrays.asList(codes)));
    Map<String, String> served = new TreeMap<>();
    declared.forEach(code -> served.put(code.code(), code.failureCode() + " / HTTP " + code.httpStatus()));

    assertEquals(served, documented, "docs/PROTOCOL.md's error table vs the error enums");
  }
}
