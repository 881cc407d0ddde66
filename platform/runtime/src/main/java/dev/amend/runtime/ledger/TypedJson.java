package dev.amend.runtime.ledger;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * JSON for the free-form values of an edit (hyperparameters, metadata, info) that reads back with the
 * same Java types: strings, booleans, {@code Integer} and {@code Double} as plain JSON; {@code Long},
 * {@code Float} and non-finite doubles tagged ({@code {"$long": "7"}}); {@code float[]} stored as a
 * tensor beside the JSON ({@code {"$f32": "m0"}}) so AlphaEdit's keys come back as {@code float[]};
 * {@code double[]}, {@code int[]}, {@code long[]} tagged arrays; lists and maps (string keys) as
 * themselves. Records are written as maps of their components and enums as their names (they read
 * back as maps and strings).
 */
final class TypedJson {
    private TypedJson() {
    }

    /** Returns {@code value} as JSON; {@code storeFloats} keeps a float array and returns its tensor name. */
    static JsonElement encode(Object value, Function<float[], String> storeFloats) {
        if (value == null) {
            return JsonNull.INSTANCE;
        }
        if (value instanceof String s) {
            return new JsonPrimitive(s);
        }
        if (value instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return new JsonPrimitive(((Number) value).intValue());
        }
        if (value instanceof Long l) {
            return tagged("$long", new JsonPrimitive(l.toString()));
        }
        if (value instanceof Float f) {
            return tagged("$float", new JsonPrimitive(f.toString()));
        }
        if (value instanceof Double d) {
            return Double.isFinite(d) ? new JsonPrimitive(d) : tagged("$double", new JsonPrimitive(d.toString()));
        }
        if (value instanceof Number n) {
            return new JsonPrimitive(n.toString());
        }
        if (value instanceof float[] f) {
            return tagged("$f32", new JsonPrimitive(storeFloats.apply(f)));
        }
        if (value instanceof double[] ds) {
            JsonArray a = new JsonArray();
            for (double d : ds) {
                a.add(Double.isFinite(d) ? new JsonPrimitive(d) : new JsonPrimitive(Double.toString(d)));
            }
            return tagged("$f64", a);
        }
        if (value instanceof int[] is) {
            JsonArray a = new JsonArray();
            for (int i : is) {
                a.add(i);
            }
            return tagged("$i32", a);
        }
        if (value instanceof long[] ls) {
            JsonArray a = new JsonArray();
            for (long l : ls) {
                a.add(Long.toString(l));
            }
            return tagged("$i64", a);
        }
        if (value instanceof Collection<?> c) {
            JsonArray a = new JsonArray();
            for (Object o : c) {
                a.add(encode(o, storeFloats));
            }
            return a;
        }
        if (value instanceof Object[] os) {
            return encode(List.of(os), storeFloats);
        }
        if (value instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            boolean dollar = false;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                dollar |= k.startsWith("$");
                o.add(k, encode(e.getValue(), storeFloats));
            }
            return dollar ? tagged("$map", o) : o;
        }
        if (value instanceof Enum<?> e) {
            return new JsonPrimitive(e.name());
        }
        if (value instanceof Record r) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    c.getAccessor().setAccessible(true);
                    m.put(c.getName(), c.getAccessor().invoke(r));
                } catch (ReflectiveOperationException | RuntimeException ex) {
                    m.put(c.getName(), String.valueOf(ex));
                }
            }
            return encode(m, storeFloats);
        }
        return new JsonPrimitive(value.toString());
    }

    /** Returns the Java value of {@code json}; {@code loadFloats} returns the float array stored under a tensor name. */
    static Object decode(JsonElement json, Function<String, float[]> loadFloats) {
        if (json == null || json.isJsonNull()) {
            return null;
        }
        if (json.isJsonPrimitive()) {
            JsonPrimitive p = json.getAsJsonPrimitive();
            if (p.isBoolean()) {
                return p.getAsBoolean();
            }
            if (p.isString()) {
                return p.getAsString();
            }
            String s = p.getAsString();
            if (s.indexOf('.') >= 0 || s.indexOf('e') >= 0 || s.indexOf('E') >= 0) {
                return Double.valueOf(s);
            }
            long l = Long.parseLong(s);
            if (l == (int) l) {
                return Integer.valueOf((int) l);
            }
            return Long.valueOf(l);
        }
        if (json.isJsonArray()) {
            List<Object> out = new ArrayList<>();
            for (JsonElement e : json.getAsJsonArray()) {
                out.add(decode(e, loadFloats));
            }
            return out;
        }
        JsonObject o = json.getAsJsonObject();
        if (o.size() == 1) {
            Map.Entry<String, JsonElement> only = o.entrySet().iterator().next();
            JsonElement v = only.getValue();
            switch (only.getKey()) {
                case "$long":
                    return Long.valueOf(v.getAsString());
                case "$float":
                    return Float.valueOf(v.getAsString());
                case "$double":
                    return Double.valueOf(v.getAsString());
                case "$f32":
                    return loadFloats.apply(v.getAsString());
                case "$f64": {
                    JsonArray a = v.getAsJsonArray();
                    double[] d = new double[a.size()];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = Double.parseDouble(a.get(i).getAsString());
                    }
                    return d;
                }
                case "$i32": {
                    JsonArray a = v.getAsJsonArray();
                    int[] d = new int[a.size()];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = a.get(i).getAsInt();
                    }
                    return d;
                }
                case "$i64": {
                    JsonArray a = v.getAsJsonArray();
                    long[] d = new long[a.size()];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = Long.parseLong(a.get(i).getAsString());
                    }
                    return d;
                }
                case "$map":
                    return plainMap(v.getAsJsonObject(), loadFloats);
                default:
                    break;
            }
        }
        return plainMap(o, loadFloats);
    }

    private static Map<String, Object> plainMap(JsonObject o, Function<String, float[]> loadFloats) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            out.put(e.getKey(), decode(e.getValue(), loadFloats));
        }
        return out;
    }

    /** Returns the map in {@code json} with its values decoded (an empty map for null). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> decodeMap(JsonElement json, Function<String, float[]> loadFloats) {
        Object v = decode(json, loadFloats);
        return v == null ? new LinkedHashMap<>() : (Map<String, Object>) v;
    }

    private static JsonObject tagged(String tag, JsonElement value) {
        JsonObject o = new JsonObject();
        o.add(tag, value);
        return o;
    }
}
