package dev.amend.runtime.editing;

import dev.amend.spi.Editor;
import dev.amend.spi.EditorDecorator;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.EditorTrainer;
import dev.amend.spi.Evaluator;
import dev.amend.spi.EvaluatorProvider;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.MethodProvider;
import dev.amend.spi.TrainableEditor;
import dev.amend.spi.edit.TrainingOptions;
import dev.amend.spi.hparams.Bound;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The editing methods (editors and decorators) and evaluators ServiceLoader finds through a class loader, by
 * name.
 */
public final class EditorRegistry {
    private final Map<String, MethodProvider<?>> editors = new TreeMap<>();
    private final Map<String, EvaluatorProvider> evaluators = new TreeMap<>();

    private EditorRegistry() {
    }

    /** Returns the providers visible to {@code loader}. */
    public static EditorRegistry load(ClassLoader loader) {
        EditorRegistry r = new EditorRegistry();
        for (EditorProvider<?> p : ServiceLoader.load(EditorProvider.class, loader)) {
            r.editors.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
        }
        for (EditorDecorator<?> p : ServiceLoader.load(EditorDecorator.class, loader)) {
            r.editors.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
        }
        for (EvaluatorProvider p : ServiceLoader.load(EvaluatorProvider.class, loader)) {
            r.evaluators.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
        }
        return r;
    }

    /**
     * Returns a registry of exactly these providers (keys are lower-case names), e.g. the class path's plus
     * those of plugin jars as {@link dev.amend.runtime.plugins.PluginCatalog} assembles them.
     */
    public static EditorRegistry of(Map<String, ? extends MethodProvider<?>> editors, Map<String, EvaluatorProvider> evaluators) {
        EditorRegistry r = new EditorRegistry();
        editors.forEach((k, v) -> r.editors.put(k.toLowerCase(Locale.ROOT), v));
        evaluators.forEach((k, v) -> r.evaluators.put(k.toLowerCase(Locale.ROOT), v));
        return r;
    }

    /** Returns the providers on the class path of this class. */
    public static EditorRegistry classPath() {
        return load(EditorRegistry.class.getClassLoader());
    }

    /** Returns the editing methods (editors and decorators) by name. */
    public Map<String, MethodProvider<?>> editors() {
        return editors;
    }

    /** Returns the evaluators by name. */
    public Map<String, EvaluatorProvider> evaluators() {
        return evaluators;
    }

    /** Returns the method (editor or decorator) called {@code name}, or throws listing the installed ones. */
    public MethodProvider<?> editor(String name) {
        MethodProvider<?> p = editors.get(name.toLowerCase(Locale.ROOT));
        if (p == null) {
            List<String> decorators = decorators();
            List<String> methods = editors.keySet().stream().filter(n -> !decorators.contains(n)).toList();
            String example = decorators.isEmpty() ? ""
                    : decorators.get(0) + "+" + (methods.isEmpty() ? "METHOD" : methods.get(0));
            throw new InvalidRequestException("unknown method \"" + name + "\": installed methods are "
                    + String.join(", ", methods) + (decorators.isEmpty() ? ""
                    : "; decorators, used as DECORATOR+METHOD (e.g. " + example + "): "
                    + String.join(", ", decorators)));
        }
        return p;
    }

    /** Returns the evaluator called {@code name}, or throws listing the installed ones. */
    public EvaluatorProvider evaluator(String name) {
        EvaluatorProvider p = evaluators.get(name.toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new InvalidRequestException("unknown evaluator \"" + name + "\": installed evaluators are "
                    + String.join(", ", evaluators.keySet()));
        }
        return p;
    }

    /** Returns a new evaluator of each of {@code names}, in order, or throws naming the installed ones. */
    public List<Evaluator> createEvaluators(List<String> names) {
        List<Evaluator> out = new ArrayList<>();
        for (String name : names) {
            out.add(evaluator(name).create());
        }
        return out;
    }

    /**
     * A configured editor with its hyperparameters.
     *
     * @param provider        the method
     * @param editor          the configured editor
     * @param hyperparameters the bound values
     * @param ignored         keys of the file that the method does not use
     */
    public record Configured(MethodProvider<?> provider, Editor editor, Hyperparameters hyperparameters,
                             List<String> ignored) {
    }

    /**
     * Returns the method {@code name} configured for {@code arch}: its defaults for the architecture with
     * {@code overrides} bound over them ({@code source} names where they came from, for messages). A name
     * {@code decorator+base} (e.g. {@code anyedit+memit}) is resolved by {@link #compose}.
     */
    public Configured configure(String name, ModelArchitecture arch, Map<String, ?> overrides, String source) {
        int plus = name.indexOf('+');
        if (plus >= 0) {
            return compose(name.substring(0, plus), name.substring(plus + 1), arch, overrides, source);
        }
        MethodProvider<?> p = editor(name);
        if (p instanceof EditorProvider<?> e) {
            return bind(e, arch, overrides, source);
        }
        List<String> methods = editors.entrySet().stream().filter(x -> x.getValue() instanceof EditorProvider<?>)
                .map(Map.Entry::getKey).toList();
        throw new InvalidRequestException("\"" + name + "\" decorates another method: choose it as " + name + "+METHOD"
                + " with one of the installed methods (" + String.join(", ", methods) + "), e.g. " + name + "+"
                + (methods.isEmpty() ? "memit" : methods.get(0)));
    }

    /**
     * Returns the decorator {@code decoratorName} (an {@link EditorDecorator}, e.g. {@code anyedit}) over the
     * base method {@code baseName} (any installed method, itself resolved by {@link #configure}), both
     * configured for {@code arch}. The overrides' {@code base} entry (a map) is bound over the base method's
     * defaults, all other keys over the decorator's; the base's unused keys are reported as {@code base.KEY}.
     * The result's provider and hyperparameters are the decorator's.
     */
    public Configured compose(String decoratorName, String baseName, ModelArchitecture arch, Map<String, ?> overrides,
                              String source) {
        MethodProvider<?> d = editor(decoratorName);
        if (!(d instanceof EditorDecorator<?> decorator)) {
            throw new InvalidRequestException("\"" + decoratorName + "\" is not a decorator and cannot wrap \""
                    + baseName + "\": decorators are " + String.join(", ", decorators()));
        }
        Map<String, Object> own = new LinkedHashMap<>();
        Map<String, ?> baseValues = Map.of();
        if (overrides != null) {
            for (Map.Entry<String, ?> e : overrides.entrySet()) {
                if (e.getKey().equals("base")) {
                    if (!(e.getValue() instanceof Map<?, ?> m)) {
                        throw new InvalidRequestException(source + ": \"base\" must be a map of the base method's "
                                + "hyperparameters, got " + e.getValue());
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, ?> typed = (Map<String, ?>) m;
                    baseValues = typed;
                } else {
                    own.put(e.getKey(), e.getValue());
                }
            }
        }
        Configured base = configure(baseName, arch, baseValues, source + " (base)");
        Configured top = decorate(decorator, base, baseName.toLowerCase(Locale.ROOT), arch, own, source);
        List<String> ignored = new ArrayList<>(top.ignored());
        for (String k : base.ignored()) {
            ignored.add("base." + k);
        }
        return new Configured(top.provider(), top.editor(), top.hyperparameters(), ignored);
    }

    /**
     * Returns the trainer of the learned method {@code name} (a {@link TrainableEditor}) for {@code arch}: its
     * defaults for the architecture with {@code overrides} bound over them ({@code source} names where they came
     * from), and {@code options}. Throws naming the methods that can be trained when {@code name} is not one.
     */
    public EditorTrainer trainer(String name, ModelArchitecture arch, Map<String, ?> overrides, String source,
                                 TrainingOptions options) {
        if (!(editor(name) instanceof TrainableEditor<?> t)) {
            List<String> trainable = editors.entrySet().stream().filter(e -> e.getValue() instanceof TrainableEditor<?>)
                    .map(Map.Entry::getKey).toList();
            throw new InvalidRequestException("\"" + name + "\" is not a learned method and cannot be trained;"
                    + " the methods that can be are: " + (trainable.isEmpty() ? "none" : String.join(", ", trainable)));
        }
        return trainerOf(t, arch, overrides, source, options);
    }

    private static <H extends Hyperparameters> EditorTrainer trainerOf(TrainableEditor<H> p, ModelArchitecture arch,
                                                                      Map<String, ?> overrides, String source,
                                                                      TrainingOptions options) {
        return p.trainer(bindRecord(p.hyperparameterType(), p.defaults(arch), overrides, arch, source).value(), options);
    }

    /** Returns the names of the installed decorators. */
    public List<String> decorators() {
        List<String> names = new ArrayList<>();
        editors.forEach((n, p) -> {
            if (p instanceof EditorDecorator<?>) {
                names.add(n);
            }
        });
        return names;
    }

    private static <H extends Hyperparameters> Configured decorate(EditorDecorator<H> p, Configured base,
                                                                   String baseName, ModelArchitecture arch,
                                                                   Map<String, ?> overrides, String source) {
        Bound<H> bound = bindRecord(p.hyperparameterType(), p.defaults(arch), overrides, arch, source);
        return new Configured(p, p.decorate(base.editor(), baseName, bound.value()), bound.value(),
                new ArrayList<>(bound.ignored()));
    }

    private static <H extends Hyperparameters> Configured bind(EditorProvider<H> p, ModelArchitecture arch,
                                                               Map<String, ?> overrides, String source) {
        H defaults = p.defaults(arch);
        Bound<H> bound = bindRecord(p.hyperparameterType(), defaults, overrides, arch, source);
        return new Configured(p, p.create(bound.value()), bound.value(), new ArrayList<>(bound.ignored()));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <H extends Hyperparameters> Bound<H> bindRecord(Class<H> type, H defaults, Map<String, ?> values,
                                                                   ModelArchitecture arch, String source) {
        if (!type.isRecord()) {
            throw new IllegalStateException(type.getName() + " is not a record: hyperparameters must be records");
        }
        return (Bound<H>) bindAs((Class) type, defaults, values, arch, source);
    }

    private static <R extends Record & Hyperparameters> Bound<R> bindAs(Class<R> type, Object defaults,
                                                                       Map<String, ?> values, ModelArchitecture arch,
                                                                       String source) {
        return HyperparameterBinder.bind(type, type.cast(defaults), values, arch, source);
    }
}
