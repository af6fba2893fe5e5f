package io.sparkmemmap.it.harness;

import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives the tests of a class a {@link MiniHdfs} parameter (also in {@code @BeforeAll} methods): started once before
 * the class, with two datanodes {@code datanode-1.test} and {@code datanode-2.test}, and shut down after the class
 * whatever its tests did.
 */
public final class MiniHdfsExtension implements BeforeAllCallback, ParameterResolver {
  public static final List<String> DATANODE_HOSTS = List.of("datanode-1.test", "datanode-2.test");

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    store(context).put(MiniHdfs.class, MiniHdfs.start(
        ItEnvironment.workDir("hdfs-" + context.getRequiredTestClass().getSimpleName()), DATANODE_HOSTS));
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == MiniHdfs.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return store(context).get(MiniHdfs.class, MiniHdfs.class);
  }

  /**
   * In {@code beforeAll} the class's store, which JUnit closes (with the AutoCloseable it holds) after the class;
   * later a method's store, whose lookups fall through to the class's.
   */
  private static ExtensionContext.Store store(ExtensionContext context) {
    return context.getStore(ExtensionContext.Namespace.create(MiniHdfsExtension.class));
  }
}
