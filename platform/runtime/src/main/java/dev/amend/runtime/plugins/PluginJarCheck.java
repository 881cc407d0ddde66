package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.PluginJar.Failure;
import dev.amend.runtime.plugins.PluginJarLoader.Opened;
import dev.amend.runtime.plugins.PluginJarLoader.Refusal;
import dev.amend.spi.MethodProvider;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ModelArchitecture;
import dev.amend.spi.model.WeightLayout;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The program a short-lived child JVM runs to check plugin jars before the host loads them: each jar goes through
 * the host's own loading ({@link PluginJarLoader#open}: ServiceLoader, every provider's constructor, name(),
 * version(), hyperparameterType(), an evaluator's protocol()), then each editor's description() and its defaults for
 * the demo model's architecture. Progress goes to a result file, one line each, flushed at once:
 * {@code ready}, {@code begin I}, {@code step I WHAT}, {@code end I PASSED|UNFIT|FAULT REASON}, and {@code exit
 * CALLER} when plugin code calls System.exit. The JVM halts when done, so threads a plugin started cannot keep
 * it alive. {@link ChildJvmCheck} starts it and reads the file.
 *
 * <p>Arguments: the result file, then the jar files to check in order.
 */
public final class PluginJarCheck {
    /** The architecture of the embedded demo model (platform/demo's config.json): GPT-2, 6 layers, d 256, d_ff 1024. */
    static final ModelArchitecture DEMO = demoArchitecture();

    private final Writer results;

    private PluginJarCheck(Writer results) {
        this.results = results;
    }

    /** Checks the jars named after the result file and halts the JVM (status 0) once every verdict is written. */
    public static void main(String[] args) throws IOException {
        Writer out = Files.newBufferedWriter(Path.of(args[0]), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        PluginJarCheck check = new PluginJarCheck(out);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
                check.line("exit " + ExitCaller.find(Thread.getAllStackTraces()).map(ExitCaller::describe)
                        .orElse("unknown"))));
        check.line("ready");
        for (int i = 1; i < args.length; i++) {
            int index = i - 1;
            check.line("begin " + index);
            String verdict = check.verdict(Path.of(args[i]), what -> check.line("step " + index + " " + what));
            check.line("end " + index + " " + verdict);
        }
        Runtime.getRuntime().halt(0);
    }

    /** Returns "PASSED", or "UNFIT reason" / "FAULT reason" for the jar at {@code jar}. */
    private String verdict(Path jar, Consumer<String> step) {
        PluginJar j = new PluginJar(jar, Fingerprint.ABSENT, Instant.now());
        j.copy = jar;
        Opened opened = null;
        try {
            opened = PluginJarLoader.open(j, step);
            for (MethodProvider<?> p : opened.editors().values()) {
                String type = p.getClass().getName();
                PluginJarLoader.call(step, type + ".description()", p::description);
                defaultsForTheDemo(p, type, step);
            }
            return "PASSED";
        } catch (Refusal r) {
            return (r.kind == Failure.FAULT ? "FAULT " : "UNFIT ") + oneLine(r.getMessage());
        } catch (Throwable t) {
            return "FAULT " + oneLine(FailureText.of(t));
        } finally {
            if (opened != null) {
                try {
                    opened.loader().close();
                } catch (IOException e) {
                    // the JVM ends soon
                }
            }
        }
    }

    /**
     * Asks {@code p} for its defaults for the demo architecture: an exception is an answer (the method may not
     * support GPT-2), an Error is a fault.
     */
    private static void defaultsForTheDemo(MethodProvider<?> p, String type, Consumer<String> step) throws Refusal {
        String what = type + ".defaults(the demo model's " + DEMO.family() + " architecture)";
        step.accept(what);
        try {
            if (p.defaults(DEMO) instanceof Record r) {
                HyperparameterBinder.toMap(r);
            }
        } catch (Exception e) {
            // an unsupported architecture is a fair answer; the host reports it when it lists the method
        } catch (Throwable t) {
            throw new Refusal(Failure.FAULT, what + " threw " + FailureText.of(t));
        }
    }

    private synchronized void line(String text) {
        try {
            results.write(text + "\n");
            results.flush();
        } catch (IOException e) {
            // the host sees no progress and treats the jar as unchecked
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\r', ' ').replace('\n', ' ');
    }

    private static ModelArchitecture demoArchitecture() {
        int layers = 6;
        int hidden = 256;
        int inner = 1024;
        List<EditPoint> points = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            String module = "transformer.h." + l + ".mlp.c_proj";
            points.add(new EditPoint(l, module, module + ".weight", WeightLayout.IN_OUT, inner, hidden));
        }
        return new ModelArchitecture("gpt2", layers, hidden, inner, 2048, 256, 0, "float32", points);
    }
}
