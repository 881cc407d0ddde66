package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.MethodInfo.HyperparameterInfo;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.MethodProvider;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.ModelArchitecture;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** An editor's hyperparameters as names, types and defaults, read from its record type. */
final class HyperparameterSchema {
    private HyperparameterSchema() {
    }

    /**
     * Returns the record's components in order with the provider's defaults for {@code arch} (defaults are null
     * when {@code arch} is null or the provider throws; the reason is in {@code problem[0]}).
     */
    static List<HyperparameterInfo> of(MethodProvider<?> provider, ModelArchitecture arch, String[] problem) {
        Class<? extends Hyperparameters> type = provider.hyperparameterType();
        if (!type.isRecord()) {
            problem[0] = type.getName() + " is not a record";
            return List.of();
        }
        Map<String, Object> defaults = Map.of();
        if (arch != null) {
            try {
                Hyperparameters h = provider.defaults(arch);
                if (h instanceof Record r) {
                    defaults = HyperparameterBinder.toMap(r);
                }
            } catch (RuntimeException | LinkageError e) {
                problem[0] = "defaults for " + arch.family() + " failed: " + FailureText.of(e);
            }
        }
        List<HyperparameterInfo> out = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            String key = HyperparameterBinder.snake(c.getName());
            out.add(new HyperparameterInfo(key, typeName(c.getGenericType()), plain(defaults.get(key))));
        }
        return out;
    }

    /** Returns a short name of a hyperparameter's type. */
    static String typeName(Type type) {
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (raw == List.class) {
                return "list<" + typeName(p.getActualTypeArguments()[0]) + ">";
            }
            return raw.getSimpleName().toLowerCase(Locale.ROOT);
        }
        Class<?> c = (Class<?>) type;
        if (c == Integer.class) {
            return "int";
        }
        if (c.isEnum()) {
            return Arrays.stream(c.getEnumConstants()).map(e -> ((Enum<?>) e).name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining("|", "enum[", "]"));
        }
        return c.getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static Object plain(Object value) {
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(plain(o));
            }
            return out;
        }
        return value;
    }
}
