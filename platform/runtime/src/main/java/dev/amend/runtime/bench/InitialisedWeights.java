package dev.amend.runtime.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.model.WeightSource;
import java.util.Map;

/**
 * The weights of a model initialised as Hugging Face initialises one: matrices and embeddings N(0, 0.02²)
 * ({@code initializer_range}), biases zero, norm weights one. Drawn on the device that will hold each tensor, one at
 * a time, so a model of billions of parameters never passes through Java memory.
 */
final class InitialisedWeights implements WeightSource {
    private static final float STD = 0.02f;

    private final Map<String, long[]> shapes;

    private InitialisedWeights(Map<String, long[]> shapes) {
        this.shapes = shapes;
    }

    /** Returns the weights of {@code config}; the draws follow PyTorch's generator seeded with {@code seed}. */
    static InitialisedWeights of(TransformerConfig config, long seed) {
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        return new InitialisedWeights(Transformer.weightShapes(config));
    }

    @Override
    public Map<String, long[]> shapes() {
        return shapes;
    }

    @Override
    public Tensor read(String name, NDManager manager) {
        Shape shape = new Shape(shapes.get(name));
        NDArray a;
        if (name.contains("norm") || name.contains("ln_")) {
            a = name.endsWith("bias") ? manager.zeros(shape) : manager.ones(shape);
        } else if (name.endsWith("bias")) {
            a = manager.zeros(shape);
        } else {
            a = manager.randomNormal(0f, STD, shape, DataType.FLOAT32);
        }
        return new Tensor(a, Precision.FLOAT32);
    }
}
