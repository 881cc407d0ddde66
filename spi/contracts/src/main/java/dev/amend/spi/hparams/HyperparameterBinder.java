package dev.amend.spi.hparams;

import dev.amend.spi.Hyperparameters;
import dev.amend.spi.model.ModelArchitecture;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Binds a hyperparameter record from a parsed JSON or YAML tree (maps, lists, strings, numbers,
 * booleans) on top of defaults. Keys may be written in snake_case (EasyEdit's field names, e.g.
 * {@code v_num_grad_steps}) or as the record's camelCase component names. Values that come from a
 * reference or EasyEdit file give the published algorithm: components marked {@link Published} that the
 * file leaves out take their published value, not the default's (see {@link #isReferenceFile}).
 */
public final class HyperparameterBinder {

    private HyperparameterBinder() {
    }

    /**
     * Returns {@code defaults} with the values in {@code values} bound over them, validated for
     * {@code architecture} (may be null to skip architecture checks).
     *
     * @throws InvalidHyperparametersException listing every unknown key, badly typed value and failed check
     */
    public static <H extends Record & Hyperparameters> Bound<H> bind(
            Class<H> type, H defaults, Map<String, ?> values, ModelArchitecture architecture, String source) {
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : components) {
            byKey.put(normalise(c.getName()), c);
        }
        Set<String> ignoredKeys = new TreeSet<>();
        IgnoredKeys ig = type.getAnnotation(IgnoredKeys.class);
        if (ig != null) {
            for (String k : ig.value()) {
                ignoredKeys.add(normalise(k));
            }
        }
        List<String> problems = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        Object[] args = new Object[components.length];
        try {
            for (int i = 0; i < components.length; i++) {
                args[i] = components[i].getAccessor().invoke(defaults);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read defaults of " + type.getName(), e);
        }
        if (isReferenceFile(type, values)) {
            for (int i = 0; i < components.length; i++) {
                Published published = components[i].getAnnotation(Published.class);
                if (published != null) {
                    try {
                        args[i] = convert(published.value(), components[i].getGenericType(), components[i].getName());
                    } catch (IllegalArgumentException ex) {
                        throw new IllegalStateException("bad @Published value on " + type.getName(), ex);
                    }
                }
            }
        }
        for (Map.Entry<String, ?> e : values.entrySet()) {
            String key = normalise(e.getKey());
            RecordComponent c = byKey.get(key);
            if (c == null) {
                if (ignoredKeys.contains(key)) {
                    ignored.add(e.getKey());
                } else {
                    problems.add("unknown key \"" + e.getKey() + "\" (known: " + knownKeys(components) + ")");
                }
                continue;
            }
            int idx = Arrays.asList(components).indexOf(c);
            if (e.getValue() == null && args[idx] != null) {
                problems.add("\"" + e.getKey() + "\" must not be null: leave the key out for its default");
                continue;
            }
            try {
                args[idx] = convert(e.getValue(), c.getGenericType(), e.getKey());
                if (!c.isAnnotationPresent(NonFiniteAllowed.class)) {
                    requireFinite(args[idx], e.getKey());
                }
            } catch (IllegalArgumentException ex) {
                problems.add(ex.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidHyperparametersException(source, problems);
        }
        H value = construct(type, components, args, source);
        List<String> checks = architecture == null ? List.of() : value.problems(architecture);
        if (!checks.isEmpty()) {
            throw new InvalidHyperparametersException(source, checks);
        }
        return new Bound<>(value, List.copyOf(ignored));
    }

    /**
     * Returns true when {@code values} read as a hyperparameter file of EasyEdit or the reference repositories:
     * they name a key the record accepts without using it ({@link IgnoredKeys}: module templates, dataset names,
     * {@code alg_name}) or {@code rewrite_module_tmp}, which only such files carry.
     */
    public static boolean isReferenceFile(Class<?> type, Map<String, ?> values) {
        Set<String> marks = new TreeSet<>(List.of(normalise("rewrite_module_tmp")));
        IgnoredKeys ig = type.getAnnotation(IgnoredKeys.class);
        if (ig != null) {
            for (String k : ig.value()) {
                marks.add(normalise(k));
            }
        }
        for (String k : values.keySet()) {
            if (marks.contains(normalise(k))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns the entries of {@code values} whose key names a component of {@code type} marked {@link LocalPath}
     * (keys spelt as the binder accepts them: snake_case, camelCase or with dashes), in their given order.
     */
    public static Map<String, Object> localPaths(Class<? extends Record> type, Map<String, ?> values) {
        Set<String> marked = new TreeSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.isAnnotationPresent(LocalPath.class)) {
                marked.add(normalise(c.getName()));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (marked.contains(normalise(k))) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Returns the record as an ordered map of snake_case key → value, for recording in an edit. */
    public static Map<String, Object> toMap(Record record) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            try {
                out.put(snake(c.getName()), c.getAccessor().invoke(record));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** Returns {@code camelCase} as {@code camel_case}. */
    public static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('_').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    private static String normalise(String key) {
        return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    private static String knownKeys(RecordComponent[] components) {
        List<String> names = new ArrayList<>();
        for (RecordComponent c : components) {
            names.add(snake(c.getName()));
        }
        return String.join(", ", names);
    }

    private static <H> H construct(Class<H> type, RecordComponent[] components, Object[] args, String source) {
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        try {
            Constructor<H> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new InvalidHyperparametersException(source, List.of(String.valueOf(cause.getMessage())));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    private static Object convert(Object raw, Type type, String key) {
        Class<?> cls = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == null) {
            if (cls.isPrimitive()) {
                throw new IllegalArgumentException("\"" + key + "\" must not be null");
            }
            return null;
        }
        if (cls == int.class || cls == Integer.class) {
            return (int) integral(raw, key, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (cls == long.class || cls == Long.class) {
            return integral(raw, key, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (cls == double.class || cls == Double.class) {
            return number(raw, key);
        }
        if (cls == float.class || cls == Float.class) {
            return (float) number(raw, key);
        }
        if (cls == boolean.class || cls == Boolean.class) {
            if (raw instanceof Boolean b) {
                return b;
            }
            if (raw instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                return Boolean.parseBoolean(s);
            }
            throw new IllegalArgumentException("\"" + key + "\" must be true or false, got " + describe(raw));
        }
        if (cls == String.class) {
            if (raw instanceof Map || raw instanceof List) {
                throw new IllegalArgumentException("\"" + key + "\" must be a string, got " + describe(raw));
            }
            return raw.toString();
        }
        if (cls.isEnum()) {
            for (Object constant : cls.getEnumConstants()) {
                if (((Enum<?>) constant).name().equalsIgnoreCase(raw.toString().replace('-', '_'))) {
                    return constant;
                }
            }
            throw new IllegalArgumentException("\"" + key + "\" must be one of "
                    + Arrays.toString(cls.getEnumConstants()).toLowerCase(Locale.ROOT) + ", got " + describe(raw));
        }
        if (cls == List.class) {
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            List<?> in = raw instanceof List<?> l ? l : List.of(raw);
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < in.size(); i++) {
                if (in.get(i) == null) {
                    throw new IllegalArgumentException("\"" + key + "[" + i + "]\" must not be null");
                }
                out.add(convert(in.get(i), element, key + "[" + i + "]"));
            }
            return List.copyOf(out);
        }
        throw new IllegalArgumentException("\"" + key + "\" has an unsupported type " + cls.getSimpleName());
    }

    private static void requireFinite(Object value, String key) {
        if (value instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                requireFinite(l.get(i), key + "[" + i + "]");
            }
        } else if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
            throw new IllegalArgumentException("\"" + key + "\" must be a finite number, got " + value);
        }
    }

    private static long integral(Object raw, String key, long min, long max) {
        double d = number(raw, key);
        if (d != Math.rint(d) || d < min || d > max) {
            throw new IllegalArgumentException("\"" + key + "\" must be a whole number, got " + describe(raw));
        }
        return (long) d;
    }

    private static double number(Object raw, String key) {
        if (raw instanceof Number n) {
            return n.doubleValue();
        }
        if (raw instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("\"" + key + "\" must be a number, got " + describe(raw));
    }

    private static String describe(Object raw) {
        return raw instanceof String s ? "\"" + s + "\"" : String.valueOf(raw);
    }
}
