package dev.amend.runtime.safetensors;

/** IEEE half-precision conversions (Java 17 has no {@code Float.float16ToFloat}). */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** Returns the float value of the half-precision bits {@code h}. */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Returns the half-precision bits nearest to {@code f} (round to nearest even). */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int val = (bits & 0x7FFFFFFF);
        if (val >= 0x7F800000) {
            return (short) (sign | 0x7C00 | (val > 0x7F800000 ? 0x200 : 0));
        }
        if (val >= 0x477FF000) {
            return (short) (sign | 0x7C00);
        }
        if (val < 0x38800000) {
            // subnormal half or zero
            float abs = Float.intBitsToFloat(val);
            int m = Math.round(abs * 0x1p24f);
            return (short) (sign | m);
        }
        int exp = ((val >>> 23) - 112) << 10;
        int mant = val & 0x7FFFFF;
        int half = exp | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }
}
