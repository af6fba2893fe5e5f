package io.sparkmemmap.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** The only network the integration tests use. */
public final class Loopback {
  public static final String HOST = "127.0.0.1";

  private Loopback() {}

  /** A port on 127.0.0.1 that was free a moment ago, for servers whose port must be known before they start. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + HOST, e);
    }
  }
}
