package dev.amend.runtime.safetensors;

/** The safetensors dtypes Amend reads. */
public enum DType {
    /** IEEE float32. */
    F32(4),
    /** IEEE float16. */
    F16(2),
    /** bfloat16 (the upper half of a float32). */
    BF16(2),
    /** int64. */
    I64(8),
    /** int32. */
    I32(4);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Returns the size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Returns the Hugging Face {@code torch_dtype} name of a floating type. */
    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case I64 -> "int64";
            case I32 -> "int32";
        };
    }
}
