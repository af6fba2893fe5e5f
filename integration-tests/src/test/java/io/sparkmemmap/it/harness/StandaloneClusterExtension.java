package io.sparkmemmap.it.harness;

import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link StandaloneCluster} parameter: one master and two workers (1 core, 1 GiB each), started on
 * first use and shared by every test class of the run (starting one costs ~10 s), stopped when the run ends.
 */
public final class StandaloneClusterExtension implements ParameterResolver {
  public static final int WORKERS = 2;
  private static final Duration START_LIMIT = Duration.ofSeconds(90);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == StandaloneCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    // The root store closes what it holds (an AutoCloseable) when the whole run ends.
    ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.create(getClass()));
    return store.getOrComputeIfAbsent(StandaloneCluster.class, key -> start(), StandaloneCluster.class);
  }

  private static StandaloneCluster start() {
    try {
      return StandaloneCluster.start(ItEnvironment.workDir("standalone-cluster"), WORKERS, 1, "1g", START_LIMIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParameterResolutionException("interrupted while starting the standalone cluster", e);
    }
  }
}
