package dev.amend.runtime.model;

import dev.amend.runtime.safetensors.DType;
import dev.amend.spi.InvalidRequestException;
import java.util.Locale;

/**
 * The type a model's weights are held in on their device ({@code --dtype}, {@code amend.dtype}). The forward pass
 * computes in float32 whatever the resident type: each weight is widened to float32 where it is used and the
 * widened copy is freed with the pass. An edit is applied by rounding {@code W + ΔW} once into the resident type.
 */
public enum Precision {
    /** IEEE float32 (the default). */
    FLOAT32("float32", 4),
    /** IEEE float16. */
    FLOAT16("float16", 2),
    /**
     * bfloat16. DJL 0.32.0 aborts the JVM on any call that names bfloat16 as a dtype, so these weights are held as
     * their 16-bit patterns in tensors DJL sees as float16 and only {@link HalfConverter} reads or writes their
     * values.
     */
    BFLOAT16("bfloat16", 2);

    private final String id;
    private final int bytes;

    Precision(String id, int bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    /** Returns the name used on the command line, in configuration and in Hugging Face's {@code torch_dtype}. */
    public String id() {
        return id;
    }

    /** Returns the bytes one weight takes on the device. */
    public int bytes() {
        return bytes;
    }

    /** Returns true for the 16-bit types. */
    public boolean half() {
        return this != FLOAT32;
    }

    /**
     * Returns the precision named {@code name} ({@code float32}/{@code fp32}, {@code float16}/{@code fp16}/{@code half},
     * {@code bfloat16}/{@code bf16}); null or blank means float32.
     *
     * @throws InvalidRequestException naming the accepted values for anything else
     */
    public static Precision parse(String name) {
        if (name == null || name.isBlank()) {
            return FLOAT32;
        }
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32" -> FLOAT32;
            case "float16", "fp16", "f16", "half" -> FLOAT16;
            case "bfloat16", "bf16" -> BFLOAT16;
            default -> throw new InvalidRequestException("unknown dtype \"" + name
                    + "\": use float32, float16 or bfloat16");
        };
    }

    /** Returns the precision configured by {@code -Damend.dtype} or {@code AMEND_DTYPE}, float32 by default. */
    public static Precision configured() {
        String p = System.getProperty("amend.dtype");
        return parse(p != null ? p : System.getenv("AMEND_DTYPE"));
    }

    /** Returns the precision of a safetensors floating-point type. */
    public static Precision of(DType stored) {
        return switch (stored) {
            case F16 -> FLOAT16;
            case BF16 -> BFLOAT16;
            default -> FLOAT32;
        };
    }
}
