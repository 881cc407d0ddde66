package dev.amend.runtime.model;

import dev.amend.spi.AdapterKind;
import dev.amend.spi.InvalidRequestException;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The adapter kinds a model can run, by name: those ServiceLoader finds on the class path, or those a host assembles
 * (the class path's and its plugin jars'), read afresh at each look-up so a plugin installed later is seen.
 */
public final class AdapterKinds {
    private static volatile AdapterKinds classPath;

    private final Supplier<? extends Collection<AdapterKind>> source;

    private AdapterKinds(Supplier<? extends Collection<AdapterKind>> source) {
        this.source = source;
    }

    /** Returns the kinds ServiceLoader finds through the class loader of this class (looked up once). */
    public static AdapterKinds classPath() {
        AdapterKinds k = classPath;
        if (k == null) {
            Collection<AdapterKind> found = ServiceLoader.load(AdapterKind.class, AdapterKinds.class.getClassLoader())
                    .stream().map(ServiceLoader.Provider::get).toList();
            k = new AdapterKinds(() -> found);
            classPath = k;
        }
        return k;
    }

    /** Returns the kinds {@code source} gives at each look-up (the first of a name wins). */
    public static AdapterKinds of(Supplier<? extends Collection<AdapterKind>> source) {
        return new AdapterKinds(source);
    }

    /** Returns the installed kinds by name. */
    public Map<String, AdapterKind> byName() {
        Map<String, AdapterKind> out = new TreeMap<>();
        for (AdapterKind k : source.get()) {
            out.putIfAbsent(k.kind().toLowerCase(Locale.ROOT), k);
        }
        return out;
    }

    /** Returns the kind called {@code kind}, or throws saying it is not installed and which are. */
    public AdapterKind require(String kind) {
        Map<String, AdapterKind> all = byName();
        AdapterKind k = all.get(kind.toLowerCase(Locale.ROOT));
        if (k == null) {
            throw new InvalidRequestException("adapter kind \"" + kind + "\" is not installed: install the plugin that"
                    + " provides it (installed adapter kinds: " + (all.isEmpty() ? "none" : String.join(", ",
                    all.keySet())) + ")");
        }
        return k;
    }
}
