package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.model.AdapterModule;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only adapter kind, registered through the test class path's service file (no runtime change): each
 * adapter scales the MLP output of its block by {@code scale} and adds {@code shift} at every position, in the
 * order the adapters were added (so the order shows). It counts how often modules were extended and built.
 */
public final class ShiftAdapterKind implements AdapterKind {
    /** The kind name. */
    public static final String KIND = "test-shift";
    /** Modules extended by one adapter. */
    public static final AtomicInteger EXTENDED = new AtomicInteger();
    /** Modules built from a whole list. */
    public static final AtomicInteger BUILT = new AtomicInteger();

    /** Returns an adapter of this kind at {@code layer}: value ↦ scale · value + shift. */
    public static Adapter adapter(int layer, float scale, float[] shift) {
        return Adapter.of(KIND, layer, Map.of("scale", (double) scale, "shift", shift));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void check(Adapter adapter, ModelArchitecture architecture) {
        float[] shift;
        try {
            shift = adapter.floats("shift");
            adapter.number("scale");
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        if (shift.length != architecture.hiddenSize()) {
            throw new InvalidRequestException("a test-shift adapter's shift has " + shift.length + " values, the model's"
                    + " hidden size is " + architecture.hiddenSize());
        }
    }

    @Override
    public AdapterModule build(List<Adapter> adapters, NDManager manager) {
        BUILT.incrementAndGet();
        return new Module(List.copyOf(adapters), manager);
    }

    /** Applies the adapters one after another. */
    private static final class Module implements AdapterModule {
        private final List<Adapter> adapters;
        private final List<NDArray> shifts;

        Module(List<Adapter> adapters, NDManager manager) {
            this.adapters = adapters;
            this.shifts = adapters.stream().map(a -> manager.create(a.floats("shift"), new Shape(a.floats("shift")
                    .length))).toList();
        }

        @Override
        public NDArray apply(NDArray key, NDArray value) {
            for (int i = 0; i < adapters.size(); i++) {
                value = value.mul((float) adapters.get(i).number("scale")).add(shifts.get(i));
            }
            return value;
        }

        @Override
        public AdapterModule extend(Adapter next, NDManager manager) {
            EXTENDED.incrementAndGet();
            return new Module(java.util.stream.Stream.concat(adapters.stream(), java.util.stream.Stream.of(next))
                    .toList(), manager);
        }
    }
}
