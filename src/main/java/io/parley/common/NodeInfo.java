package io.parley.common;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What a verticle may know about the node it runs on: its id (the cluster member id when clustered),
 * the members it currently sees, and the HTTP port the gateway bound. Handed to verticles by the node
 * that deploys them; safe to read from any event loop.
 */
public final class NodeInfo {

  private final String nodeId;
  private final Supplier<List<String>> members;
  private final AtomicInteger httpPort = new AtomicInteger(-1);

  public NodeInfo(String nodeId, Supplier<List<String>> members) {
    this.nodeId = nodeId;
    this.members = members;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The cluster members this node sees, or null when it is not clustered. */
  public List<String> members() {
    return members.get();
  }

  /** The bound HTTP port, or -1 while no gateway listens on this node. */
  public int httpPort() {
    return httpPort.get();
  }

  public void httpPortBound(int port) {
    httpPort.set(port);
  }
}
