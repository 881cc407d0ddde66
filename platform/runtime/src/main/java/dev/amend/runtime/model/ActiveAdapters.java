package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.model.AdapterModule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The adapters a transformer applies in every forward pass: per block, one module per kind (the kind's adapters at
 * that block, oldest first), applied in the order the kinds first appeared there. Adding an adapter extends its
 * module when the kind can, else rebuilds it; removing one rebuilds the module from the others, so the result never
 * depends on what was removed. Readers see a consistent snapshot; changes are the caller's to serialise.
 */
final class ActiveAdapters {

    /** The adapters of one kind at one block and the module that applies them. */
    private record Slot(int layer, String kind, List<Adapter> adapters, AdapterModule module, NDManager manager) {
    }

    private final Transformer model;
    private final IntFunction<NDManager> blockManager;
    private volatile AdapterKinds kinds = AdapterKinds.classPath();
    private final List<Adapter> order = new ArrayList<>();
    private volatile Map<Integer, List<Slot>> byLayer = Map.of();

    ActiveAdapters(Transformer model, IntFunction<NDManager> blockManager) {
        this.model = model;
        this.blockManager = blockManager;
    }

    /** Uses {@code kinds} for later look-ups. */
    void use(AdapterKinds k) {
        this.kinds = k;
    }

    /** Returns the kinds look-ups use. */
    AdapterKinds kinds() {
        return kinds;
    }

    /** Throws {@link InvalidRequestException} when {@code a} cannot run in the model. */
    void check(Adapter a) {
        int layers = model.architecture().layers();
        if (a.layer() >= layers) {
            throw new InvalidRequestException("adapter " + a.id() + " (" + a.kind() + ") acts at layer " + a.layer()
                    + ", which model " + model.name() + " lacks: it has layers 0.." + (layers - 1));
        }
        kinds.require(a.kind()).check(a, model.architecture());
    }

    /** Adds {@code a} after the adapters already added. */
    synchronized void add(Adapter a) {
        check(a);
        if (order.stream().anyMatch(x -> x.id().equals(a.id()))) {
            throw new InvalidRequestException("adapter " + a.id() + " is already added to model " + model.name());
        }
        AdapterKind kind = kinds.require(a.kind());
        Map<Integer, List<Slot>> next = copy();
        List<Slot> slots = next.computeIfAbsent(a.layer(), l -> new ArrayList<>());
        int at = indexOf(slots, a.kind());
        List<Adapter> list = new ArrayList<>(at < 0 ? List.of() : slots.get(at).adapters());
        list.add(a);
        Slot old = at < 0 ? null : slots.get(at);
        Slot built = old == null ? null : extended(old, a, list);
        if (built == null) {
            built = build(kind, a.layer(), list);
        }
        if (at < 0) {
            slots.add(built);
        } else {
            slots.set(at, built);
        }
        order.add(a);
        publish(next, old);
    }

    /** Removes the adapter with {@code a}'s id; returns false when none was added. */
    synchronized boolean remove(Adapter a) {
        Adapter present = order.stream().filter(x -> x.id().equals(a.id())).findFirst().orElse(null);
        if (present == null) {
            return false;
        }
        Map<Integer, List<Slot>> next = copy();
        List<Slot> slots = next.get(present.layer());
        int at = indexOf(slots, present.kind());
        Slot old = slots.get(at);
        List<Adapter> list = new ArrayList<>(old.adapters());
        list.removeIf(x -> x.id().equals(present.id()));
        if (list.isEmpty()) {
            slots.remove(at);
            if (slots.isEmpty()) {
                next.remove(present.layer());
            }
        } else {
            slots.set(at, build(kinds.require(present.kind()), present.layer(), list));
        }
        order.remove(present);
        publish(next, old);
        return true;
    }

    /** Removes the adapters with the ids of {@code gone}, rebuilding each module once; returns how many there were. */
    synchronized int removeAll(java.util.Collection<Adapter> gone) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        gone.forEach(a -> ids.add(a.id()));
        List<Adapter> remaining = order.stream().filter(a -> !ids.contains(a.id())).toList();
        int removed = order.size() - remaining.size();
        if (removed == 1) {
            return remove(order.stream().filter(a -> ids.contains(a.id())).findFirst().orElseThrow()) ? 1 : 0;
        }
        if (removed > 0) {
            replaceAll(remaining);
        }
        return removed;
    }

    /** Replaces every adapter with {@code adapters}, in order (each checked first; nothing changes on a failure). */
    synchronized void replaceAll(List<Adapter> adapters) {
        adapters.forEach(this::check);
        Map<Integer, Map<String, List<Adapter>>> grouped = new LinkedHashMap<>();
        for (Adapter a : adapters) {
            grouped.computeIfAbsent(a.layer(), l -> new LinkedHashMap<>())
                    .computeIfAbsent(a.kind(), k -> new ArrayList<>()).add(a);
        }
        Map<Integer, List<Slot>> next = new HashMap<>();
        try {
            grouped.forEach((layer, byKind) -> byKind.forEach((kind, list) ->
                    next.computeIfAbsent(layer, l -> new ArrayList<>()).add(build(kinds.require(kind), layer, list))));
        } catch (RuntimeException e) {
            next.values().forEach(s -> s.forEach(x -> x.manager().close()));
            throw e;
        }
        List<Slot> old = new ArrayList<>();
        byLayer.values().forEach(old::addAll);
        byLayer = next;
        order.clear();
        order.addAll(adapters);
        old.forEach(s -> s.manager().close());
    }

    /** Returns the adapters in the order they were added. */
    synchronized List<Adapter> list() {
        return List.copyOf(order);
    }

    /** Returns {@code value} [B, T, d] with the modules of block {@code layer} applied (itself when there are none). */
    NDArray apply(int layer, NDArray key, NDArray value) {
        List<Slot> slots = byLayer.get(layer);
        if (slots == null) {
            return value;
        }
        for (Slot s : slots) {
            value = s.module().apply(key, value);
        }
        return value;
    }

    /** Frees every module. */
    synchronized void close() {
        byLayer.values().forEach(s -> s.forEach(x -> x.manager().close()));
        byLayer = Map.of();
        order.clear();
    }

    private Slot extended(Slot old, Adapter a, List<Adapter> list) {
        NDManager m = blockManager.apply(a.layer());
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            AdapterModule module = old.module().extend(a, m);
            if (module == null) {
                m.close();
                return null;
            }
            return new Slot(a.layer(), a.kind(), List.copyOf(list), module, m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    private Slot build(AdapterKind kind, int layer, List<Adapter> list) {
        NDManager m = blockManager.apply(layer);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return new Slot(layer, list.get(0).kind(), List.copyOf(list), kind.build(List.copyOf(list), m), m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** Makes {@code next} the snapshot readers see, then frees {@code replaced}'s module (if any). */
    private void publish(Map<Integer, List<Slot>> next, Slot replaced) {
        byLayer = next;
        if (replaced != null) {
            replaced.manager().close();
        }
    }

    private Map<Integer, List<Slot>> copy() {
        Map<Integer, List<Slot>> next = new HashMap<>();
        byLayer.forEach((l, s) -> next.put(l, new ArrayList<>(s)));
        return next;
    }

    private static int indexOf(List<Slot> slots, String kind) {
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).kind().equals(kind)) {
                return i;
            }
        }
        return -1;
    }
}
