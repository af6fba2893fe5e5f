package io.sparkmemmap.it.harness;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives the tests of a class an {@link S3Server} parameter (also in {@code @BeforeAll} methods): started once before
 * the class with an empty bucket, and stopped after the class whatever its tests did.
 */
public final class S3ServerExtension implements BeforeAllCallback, ParameterResolver {
  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    store(context).put(S3Server.class, S3Server.start(
        ItEnvironment.workDir("s3-" + context.getRequiredTestClass().getSimpleName())));
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == S3Server.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return store(context).get(S3Server.class, S3Server.class);
  }

  /** In {@code beforeAll} the class's store, which JUnit closes (with the server it holds) after the class. */
  private static ExtensionContext.Store store(ExtensionContext context) {
    return context.getStore(ExtensionContext.Namespace.create(S3ServerExtension.class));
  }
}
