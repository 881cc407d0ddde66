package dev.amend.kit.trace;

import dev.amend.spi.model.Site;
import java.util.Locale;

/** The hidden states a trace restores. */
public enum TraceKind {
    /** The residual stream leaving a block, one layer at a time. */
    RESIDUAL(Site.LAYER_OUTPUT, false),
    /** The MLP output, over a window of layers. */
    MLP(Site.MLP_OUTPUT, true),
    /** The attention output, over a window of layers. */
    ATTENTION(Site.ATTENTION_OUTPUT, true);

    private final Site site;
    private final boolean windowed;

    TraceKind(Site site, boolean windowed) {
        this.site = site;
        this.windowed = windowed;
    }

    /** Returns the site whose states are restored. */
    public Site site() {
        return site;
    }

    /** Returns the number of layers restored together for {@code window}: 1 for the residual stream. */
    public int layersRestored(int window) {
        return windowed ? window : 1;
    }

    /** Returns the lower-case name used in files and JSON: residual, mlp, attention. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
