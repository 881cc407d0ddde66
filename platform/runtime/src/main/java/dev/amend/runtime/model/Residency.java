package dev.amend.runtime.model;

import ai.djl.Device;
import dev.amend.spi.InvalidRequestException;
import java.util.List;

/**
 * Where a model's weights live and in what type: the resident {@link Precision}, and the devices its blocks are
 * spread over. With several devices each holds a contiguous range of blocks, as Hugging Face's
 * {@code device_map="auto"} places them: the embeddings go with the first range, the final norm and head with the
 * last (a head tied to the embeddings stays with them), and the ranges are cut so that each device holds about the
 * same number of weight bytes. The residual stream moves to the next device at each cut.
 *
 * @param precision the type the weights are held in
 * @param devices   one or more devices, in block order (the same device may appear more than once)
 */
public record Residency(Precision precision, List<Device> devices) {
    /** Copies the list and checks it is not empty. */
    public Residency {
        devices = List.copyOf(devices);
        if (devices.isEmpty()) {
            throw new InvalidRequestException("give at least one device");
        }
    }

    /** Returns float32 weights on {@code device}. */
    public static Residency of(Device device) {
        return new Residency(Precision.FLOAT32, List.of(device));
    }

    /** Returns {@code precision} weights on {@code device}. */
    public static Residency of(Precision precision, Device device) {
        return new Residency(precision, List.of(device));
    }

    /** Returns the first device: the one that holds the embeddings and where results of a forward pass are returned. */
    public Device primary() {
        return devices.get(0);
    }

    /**
     * Returns the device slot (index into {@link #devices()}) of each block: contiguous ranges, each device holding
     * at least one block, cut where the running byte count passes each device's equal share.
     *
     * @param blockBytes bytes of each block's weights
     * @param firstBytes bytes placed with the first block (the embeddings)
     * @param lastBytes  bytes placed with the last block (final norm and an untied head)
     * @throws InvalidRequestException when there are more devices than blocks
     */
    public int[] blockSlots(long[] blockBytes, long firstBytes, long lastBytes) {
        int layers = blockBytes.length;
        int n = devices.size();
        if (n > layers) {
            throw new InvalidRequestException("--devices names " + n + " devices but the model has " + layers
                    + " blocks: each device must hold at least one block, so give at most " + layers + " devices");
        }
        long total = firstBytes + lastBytes;
        for (long b : blockBytes) {
            total += b;
        }
        int[] slots = new int[layers];
        long running = firstBytes;
        int slot = 0;
        for (int l = 0; l < layers; l++) {
            boolean restNeedOneEach = layers - l <= n - 1 - slot;
            boolean shareReached = running + blockBytes[l] / 2.0 > (double) total * (slot + 1) / n;
            if (l > 0 && slot < n - 1 && (restNeedOneEach || shareReached)) {
                slot++;
            }
            slots[l] = slot;
            running += blockBytes[l];
        }
        return slots;
    }
}
