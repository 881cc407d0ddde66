package dev.amend.kit;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with a constant that stays correct through a backward pass. Use these instead of
 * {@code NDArray.mul(Number)}, {@code div(Number)}, {@code pow(Number)}, {@code maximum(Number)} and
 * {@code minimum(Number)} on anything a gradient flows through.
 *
 * <p>Why: DJL's PyTorch engine turns the number into a 0-dimensional tensor over a Java direct buffer
 * (no copy), runs the operation and closes that tensor at once. Autograd keeps the tensor for the
 * backward pass of these operations (the derivative of {@code a·c} is {@code c}), but once the buffer
 * is collected its memory is freed and reused, so the backward pass reads whatever is there: a
 * gradient that is NaN or silently wrong after any garbage collection between the forward and the
 * backward pass. Additions and subtractions of a number are safe (their derivative does not read it).
 * The tensors made here hold the number in memory PyTorch owns.
 */
public final class Scalars {
    private Scalars() {
    }

    /** Returns a 0-dimensional float32 tensor holding {@code value}, in memory PyTorch owns, beside {@code like}. */
    public static NDArray of(NDArray like, double value) {
        try (NDArray fromJava = like.getManager().create((float) value)) {
            return fromJava.duplicate();
        }
    }

    /** Returns {@code a · c}. */
    public static NDArray mul(NDArray a, double c) {
        return a.mul(of(a, c));
    }

    /** Returns {@code a / c}. */
    public static NDArray div(NDArray a, double c) {
        return a.div(of(a, c));
    }

    /** Returns {@code max(a, c)} elementwise. */
    public static NDArray maximum(NDArray a, double c) {
        return a.maximum(of(a, c));
    }
}
