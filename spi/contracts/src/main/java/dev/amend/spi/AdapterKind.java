package dev.amend.spi;

import ai.djl.ndarray.NDManager;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.model.AdapterModule;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;

/**
 * A kind of module that edits add to the forward pass ({@link Adapter}s), found by ServiceLoader
 * ({@code META-INF/services/dev.amend.spi.AdapterKind}) on the class path or in a plugin jar: a new kind needs no
 * change to the runtime. The runtime gathers the adapters of one kind at one block, oldest first, and asks the kind
 * for the module that applies them all; the module acts on the MLP output projection of that block.
 */
public interface AdapterKind {

    /** Returns the kind name the adapters carry, e.g. {@code grace-codebook}. */
    String kind();

    /** Returns the kind's version. */
    default String version() {
        return "1";
    }

    /**
     * Checks {@code adapter} (of this kind) against a model's architecture: its layer, the sizes and types of its
     * state.
     *
     * @throws InvalidRequestException saying what is wrong
     */
    void check(Adapter adapter, ModelArchitecture architecture);

    /**
     * Returns the module that applies {@code adapters} (all of this kind at one block, oldest first, each already
     * checked); its arrays belong to {@code manager}, which lives on the block's device and which the runtime closes
     * when it no longer needs the module.
     */
    AdapterModule build(List<Adapter> adapters, NDManager manager);
}
