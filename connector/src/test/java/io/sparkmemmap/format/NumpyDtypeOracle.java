package io.sparkmemmap.format;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One long-lived python3 process that answers, line by line, how the real NumPy reads a dtype text, so that a
 * property can ask about every generated input without starting Python for each.
 */
final class NumpyDtypeOracle implements AutoCloseable {
  private static final String SCRIPT = String.join("\n",
      "import ast, sys, warnings",
      "import numpy as np",
      "from numpy.lib import format as F",
      "warnings.simplefilter('ignore')",
      "sys.stdout.reconfigure(encoding='utf-8', newline='\\n')",
      "sys.stdin.reconfigure(encoding='utf-8')",
      "for line in sys.stdin:",
      "    s = ast.literal_eval(line)",
      "    try:",
      "        if s[:1] in ('[', '{', \"'\", '\"'):",
      "            lit = ast.literal_eval(s)",
      "            d = F.descr_to_dtype(lit) if isinstance(lit, list) else np.dtype(lit)",
      "        else:",
      "            d = np.dtype(s)",
      "        if d.subdtype is not None:",
      "            out = 'SUBARRAY'",
      "        else:",
      "            try:",
      "                out = 'OK ' + repr(F.dtype_to_descr(d))",
      "            except ValueError:",
      "                out = 'OK'",
      "    except Exception as e:",
      "        out = 'ERR ' + type(e).__name__",
      "    print(ascii(out), flush=True)",
      "");

  private final Process process;
  private final BufferedWriter toPython;
  private final BufferedReader fromPython;
  private final Path scriptFile;

  private NumpyDtypeOracle(Process process, Path scriptFile) {
    this.process = process;
    this.scriptFile = scriptFile;
    this.toPython = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    this.fromPython = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  static NumpyDtypeOracle start() throws IOException {
    Path script = Files.createTempFile("numpy-dtype-oracle", ".py");
    Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
    Process process = new ProcessBuilder("python3", script.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    return new NumpyDtypeOracle(process, script);
  }

  /**
   * numpy's answer for a dtype text: {@code OK <repr of its descr>}, {@code OK} for a type no descr describes
   * (overlapping fields), {@code SUBARRAY}, or {@code ERR <exception>}.
   * The text is what {@link NumpyDescr#parse} reads after its documented stripping of surrounding whitespace.
   */
  synchronized String descrOf(String text) throws IOException {
    toPython.write(PyLiteral.repr(text.strip()));
    toPython.write('\n');
    toPython.flush();
    String line = fromPython.readLine();
    if (line == null) {
      throw new IOException("the numpy oracle process ended");
    }
    Object answer = PyLiteral.parse(line);
    return (String) answer;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    toPython.close();
    process.waitFor();
    fromPython.close();
    Files.deleteIfExists(scriptFile);
  }
}
