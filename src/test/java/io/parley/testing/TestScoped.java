package io.parley.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A resource the kit opens around each test, or once around a class when registered on a static field
 * (JUnit then calls beforeAll, and the per-test callbacks leave it alone).
 */
abstract class TestScoped implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private boolean perClass;

  protected abstract void open() throws Exception;

  protected abstract void close() throws Exception;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true;
    open();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      open();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }
}
