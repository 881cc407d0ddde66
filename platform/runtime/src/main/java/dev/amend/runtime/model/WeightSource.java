package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amend.runtime.safetensors.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Supplies a model's weights one tensor at a time, straight onto the device that will hold each, so a checkpoint is
 * never held whole in Java memory and a half-precision checkpoint loaded as it is stored is never widened.
 */
public interface WeightSource {

    /**
     * One weight as the source gives it.
     *
     * @param array the values, in the manager the source was asked to use
     * @param form  how {@code array} holds them: {@link Precision#FLOAT32} or {@link Precision#FLOAT16} values, or
     *              {@link Precision#BFLOAT16} bit patterns in a float16-typed array (see {@link HalfConverter})
     */
    record Tensor(NDArray array, Precision form) {
    }

    /** Returns every weight name the source holds, with its shape. */
    Map<String, long[]> shapes();

    /** Returns the weight {@code name}, created in {@code manager} (on its device); the caller owns the array. */
    Tensor read(String name, NDManager manager);

    /** Returns a source over float32 tensors in Java memory. */
    static WeightSource of(Map<String, HostTensor> tensors) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((n, t) -> shapes.put(n, t.shape()));
        return new WeightSource() {
            @Override
            public Map<String, long[]> shapes() {
                return shapes;
            }

            @Override
            public Tensor read(String name, NDManager manager) {
                HostTensor t = tensors.get(name);
                return new Tensor(manager.create(t.data(), new Shape(t.shape())), Precision.FLOAT32);
            }
        };
    }
}
