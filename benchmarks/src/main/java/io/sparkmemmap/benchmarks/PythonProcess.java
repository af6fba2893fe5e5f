package io.sparkmemmap.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Python script in a process of its own that the benchmarks talk to a line at a time: a line written to its
 * standard input is a request, a line of JSON on its standard output the answer. NumPy runs on one thread
 * ({@code OMP_NUM_THREADS=1}), as a Spark task does; its errors go to the benchmark's own.
 */
final class PythonProcess implements AutoCloseable {
  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final ObjectMapper json = new ObjectMapper();

  PythonProcess(String script, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("python3", "-c", script));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().put("OPENBLAS_NUM_THREADS", "1");
    process = builder.start();
    out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  /** Writes {@code line} (a request; the empty line too) and reads the answer. */
  JsonNode request(String line) throws IOException {
    in.write(line + "\n");
    in.flush();
    return readLine();
  }

  /** Writes {@code request} as a line of JSON and reads the answer. */
  JsonNode request(Object request) throws IOException {
    return request(json.writeValueAsString(request));
  }

  /** Reads a line the script printed without being asked (a greeting). */
  JsonNode readLine() throws IOException {
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the Python process ended (exit code " + exitCode() + "); its errors are above");
    }
    return json.readTree(line);
  }

  private String exitCode() {
    try {
      return process.waitFor(10, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "none yet";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  @Override
  public void close() throws IOException {
    in.close(); // ends the script's loop over its input
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
