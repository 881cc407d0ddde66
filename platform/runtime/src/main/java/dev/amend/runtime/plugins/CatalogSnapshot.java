package dev.amend.runtime.plugins;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.EvaluatorProvider;
import dev.amend.spi.MethodProvider;
import dev.amend.spi.model.ModelArchitecture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The methods served at one moment, with the jar that owns each plugin method.
 *
 * @param registry     the class path's methods and the loaded jars'
 * @param owners       "editor:name" or "evaluator:name" → the jar providing it (class-path methods are absent)
 * @param adapterKinds the class path's adapter kinds and the loaded jars', by name
 */
record CatalogSnapshot(EditorRegistry registry, Map<String, PluginJar> owners, Map<String, AdapterKind> adapterKinds) {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogSnapshot.class);

    /**
     * Returns the class path's methods and adapter kinds followed by those of the LOADED jars (the first provider of
     * a name wins).
     */
    static CatalogSnapshot of(EditorRegistry classPath, Map<String, AdapterKind> classPathKinds,
                              Iterable<PluginJar> jars) {
        Map<String, MethodProvider<?>> editors = new LinkedHashMap<>(classPath.editors());
        Map<String, EvaluatorProvider> evaluators = new LinkedHashMap<>(classPath.evaluators());
        Map<String, AdapterKind> kinds = new LinkedHashMap<>(classPathKinds);
        Map<String, PluginJar> owners = new HashMap<>();
        for (PluginJar j : jars) {
            if (j.status != PluginInfo.Status.LOADED) {
                continue;
            }
            j.editors.forEach((k, v) -> {
                if (editors.putIfAbsent(k, v) == null) {
                    owners.put("editor:" + k, j);
                }
            });
            j.evaluators.forEach((k, v) -> {
                if (evaluators.putIfAbsent(k, v) == null) {
                    owners.put("evaluator:" + k, j);
                }
            });
            j.adapterKinds.forEach(kinds::putIfAbsent);
        }
        return new CatalogSnapshot(EditorRegistry.of(editors, evaluators), Map.copyOf(owners),
                java.util.Collections.unmodifiableMap(kinds));
    }

    /**
     * Returns the editors with their hyperparameters and, when {@code arch} is given, its defaults; each method is
     * described in a call bounded by {@code timeout}, and one that fails or does not answer is left out (logged).
     */
    List<MethodInfo> editorInfos(ModelArchitecture arch, Duration timeout) {
        List<MethodInfo> out = new ArrayList<>();
        for (Map.Entry<String, MethodProvider<?>> e : registry.editors().entrySet()) {
            MethodProvider<?> p = e.getValue();
            String name = e.getKey();
            AtomicReference<String> step = new AtomicReference<>("describing editor " + name);
            describe("editor", name, timeout, step, out, () -> {
                String[] problem = new String[1];
                List<MethodInfo.HyperparameterInfo> schema = HyperparameterSchema.of(p, arch, problem);
                if (problem[0] != null) {
                    LOG.warn("editor {}: {}", name, problem[0]);
                }
                return new MethodInfo(name, "editor", version(name, true, p::version), origin(name, true),
                        p.description(), null, schema);
            });
        }
        return out;
    }

    /** Returns the evaluators with their protocols, each described in a call bounded by {@code timeout}. */
    List<MethodInfo> evaluatorInfos(Duration timeout) {
        List<MethodInfo> out = new ArrayList<>();
        for (Map.Entry<String, EvaluatorProvider> e : registry.evaluators().entrySet()) {
            EvaluatorProvider p = e.getValue();
            String name = e.getKey();
            AtomicReference<String> step = new AtomicReference<>("describing evaluator " + name);
            describe("evaluator", name, timeout, step, out, () -> new MethodInfo(name, "evaluator",
                    version(name, false, p::version), origin(name, false), "scores with protocol " + p.protocol(),
                    p.protocol(), List.of()));
        }
        return out;
    }

    /** Adds {@code info}'s answer to {@code out}, or logs why the method cannot be described. */
    private static void describe(String kind, String name, Duration timeout, AtomicReference<String> step,
                                 List<MethodInfo> out, Callable<MethodInfo> info) {
        try {
            out.add(PluginCalls.within(timeout, step, info));
        } catch (PluginJarLoader.Refusal r) {
            LOG.warn("{} {} cannot be described: {}", kind, name, r.getMessage());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns the version a plugin method reported when its jar was loaded, or {@code current}'s for the class path. */
    private String version(String name, boolean editor, Supplier<String> current) {
        PluginJar j = owners.get((editor ? "editor:" : "evaluator:") + name);
        return j == null ? current.get() : j.versions.getOrDefault((editor ? "editor:" : "evaluator:") + name, "?");
    }

    /** Returns the jars behind {@code name} (each part of a composite name such as a decorator's a+b). */
    List<PluginJar> owners(String name, boolean editor) {
        Set<PluginJar> out = new LinkedHashSet<>();
        for (String part : parts(name)) {
            PluginJar j = owners.get((editor ? "editor:" : "evaluator:") + part);
            if (j != null) {
                out.add(j);
            }
        }
        return List.copyOf(out);
    }

    /** Returns where {@code name} comes from: classpath, plugin:file.jar, or both parts' origins joined by +. */
    String origin(String name, boolean editor) {
        Set<String> origins = new LinkedHashSet<>();
        for (String part : parts(name)) {
            PluginJar j = owners.get((editor ? "editor:" : "evaluator:") + part);
            origins.add(j == null ? PluginCatalog.CLASSPATH : j.origin());
        }
        return String.join("+", origins);
    }

    private static List<String> parts(String name) {
        List<String> out = new ArrayList<>();
        String lower = name.toLowerCase(Locale.ROOT);
        out.add(lower);
        if (lower.contains("+")) {
            out.addAll(List.of(lower.split("\\+")));
        }
        return out;
    }
}
