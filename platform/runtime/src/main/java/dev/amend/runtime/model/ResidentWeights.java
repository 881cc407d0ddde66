package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model's weights as held on their devices in its resident {@link Precision}. Float32 weights are the live tensors
 * the forward pass uses; a half-precision weight is widened to float32 where it is used ({@link #compute}) and
 * written by rounding a float32 value once into its type ({@link #write}, {@link #add}). Every read and write of a
 * bfloat16 weight goes through {@link HalfConverter}.
 */
final class ResidentWeights {
    /** Elements hashed per chunk (64 MiB of float32). */
    private static final long HASH_CHUNK = 16L << 20;

    private final Precision precision;
    private final Map<String, NDArray> stored = new TreeMap<>();

    ResidentWeights(Precision precision) {
        this.precision = precision;
    }

    /** Returns the resident precision. */
    Precision precision() {
        return precision;
    }

    /** Converts {@code loaded} into the resident form, attaches it to {@code manager} and keeps it as {@code name}. */
    void put(String name, WeightSource.Tensor loaded, NDManager manager) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            NDArray a = loaded.array();
            if (!a.getDevice().equals(manager.getDevice())) {
                a = moveClosing(a, manager);
            }
            NDArray resident = loaded.form() == precision ? a : convert(a, loaded.form());
            if (resident != a) {
                a.close();
            }
            resident.attach(manager);
            stored.put(name, resident);
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    private static NDArray moveClosing(NDArray a, NDManager manager) {
        NDArray moved = a.toDevice(manager.getDevice(), true);
        a.close();
        return moved;
    }

    /** Returns {@code a}, whose values are in {@code form}, converted into the resident form (a new array). */
    private NDArray convert(NDArray a, Precision form) {
        NDArray f32 = form == Precision.FLOAT32 ? a : widen(a, form);
        try {
            return switch (precision) {
                case FLOAT32 -> f32 == a ? a.duplicate() : f32;
                case FLOAT16 -> f32.toType(DataType.FLOAT16, true);
                case BFLOAT16 -> HalfConverter.get().narrow(f32);
            };
        } finally {
            if (f32 != a && precision != Precision.FLOAT32) {
                f32.close();
            }
        }
    }

    /** Returns the float32 values of {@code a}, held in {@code form} (a new array in {@code a}'s manager). */
    private static NDArray widen(NDArray a, Precision form) {
        return switch (form) {
            case FLOAT32 -> a.duplicate();
            case FLOAT16 -> a.toType(DataType.FLOAT32, true);
            case BFLOAT16 -> HalfConverter.get().widen(a);
        };
    }

    /** Returns the weight names in sorted order. */
    java.util.Set<String> names() {
        return Collections.unmodifiableSet(stored.keySet());
    }

    /** Returns the resident array of {@code name} (float16-typed bit patterns for bfloat16), or null. */
    NDArray stored(String name) {
        return stored.get(name);
    }

    /**
     * Returns the float32 values of {@code name} for a forward pass: the live weight in float32, else a widened copy
     * in the weight's manager that the caller's scope frees.
     */
    NDArray compute(String name) {
        NDArray a = stored.get(name);
        return precision == Precision.FLOAT32 ? a : widen(a, precision);
    }

    /** Returns the float32 rows {@code ids} (int64, any shape) of the matrix {@code name}: an embedding lookup. */
    NDArray rows(String name, NDArray ids) {
        NDArray picked = stored.get(name).get(ids);           // a gather copies bit patterns unchanged
        if (precision == Precision.FLOAT32) {
            return picked;
        }
        NDArray out = widen(picked, precision);
        picked.close();
        return out;
    }

    /** Returns the float32 values of {@code stored} (a resident array of this model, or a copy of one) as a new array. */
    NDArray values(NDArray resident) {
        return widen(resident, precision);
    }

    /**
     * Replaces the values of {@code name}: an array in the resident form (a copy taken from this model) is copied bit
     * for bit, any other is rounded once into the resident type.
     */
    void write(String name, NDArray value) {
        NDArray target = stored.get(name);
        try (NDManager tmp = target.getManager().newSubManager(target.getDevice())) {
            NDArray v = value;
            if (!value.getDevice().equals(target.getDevice())) {
                v = value.toDevice(target.getDevice(), true);
                v.attach(tmp);                                     // our copy; the caller's array stays theirs
            }
            if (v.getDataType() == target.getDataType()) {
                target.set(new NDIndex("..."), v);
            } else if (precision == Precision.BFLOAT16) {
                HalfConverter.get().assign(target, v);
            } else {
                NDArray rounded = v.toType(target.getDataType(), true);
                rounded.attach(tmp);
                target.set(new NDIndex("..."), rounded);
            }
        }
    }

    /** Adds the float32 {@code delta} (stored layout, on the weight's device) to {@code name}: W := round(W + ΔW). */
    void add(String name, NDArray delta) {
        NDArray target = stored.get(name);
        if (precision == Precision.FLOAT32) {
            target.addi(delta);
            return;
        }
        try (NDManager tmp = target.getManager().newSubManager(target.getDevice())) {
            NDArray wide = widen(target, precision);
            wide.attach(tmp);
            NDArray sum = wide.add(delta);
            sum.attach(tmp);
            write(name, sum);
        }
    }

    /** Returns the bytes the resident weights take on their devices. */
    long bytes() {
        long n = 0;
        for (NDArray a : stored.values()) {
            n += a.size() * precision.bytes();
        }
        return n;
    }

    /**
     * Adds every weight to {@code digest} in name order: its name, then its float32 values little-endian; a
     * half-precision model first adds {@code "dtype=<type>"}, so float32 hashes stay as they were and a model held in
     * another type never shares a ledger with it.
     */
    void digest(MessageDigest digest) {
        if (precision != Precision.FLOAT32) {
            digest.update(("dtype=" + precision.id()).getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, NDArray> e : stored.entrySet()) {
            digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            NDArray flat = e.getValue().reshape(-1);
            long n = flat.size();
            for (long from = 0; from < n; from += HASH_CHUNK) {
                try (NDManager tmp = flat.getManager().newSubManager()) {
                    NDArray chunk = flat.get(new NDIndex("{}:{}", from, Math.min(n, from + HASH_CHUNK)));
                    chunk.attach(tmp);
                    NDArray f32 = precision == Precision.FLOAT32 ? chunk : widen(chunk, precision);
                    f32.attach(tmp);
                    ByteBuffer bytes = f32.toByteBuffer();
                    if (bytes.order() != ByteOrder.LITTLE_ENDIAN) {
                        throw new IllegalStateException("weights are hashed little-endian; this platform is not");
                    }
                    digest.update(bytes);
                }
            }
            flat.close();
        }
    }
}
