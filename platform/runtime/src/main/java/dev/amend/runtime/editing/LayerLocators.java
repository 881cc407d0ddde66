package dev.amend.runtime.editing;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.LayerLocator;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The layer locators ServiceLoader finds on a class path, by name. */
public final class LayerLocators {
    private LayerLocators() {
    }

    /** Returns the locators visible to {@code loader}, by lower-case name. */
    public static Map<String, LayerLocator> all(ClassLoader loader) {
        Map<String, LayerLocator> out = new TreeMap<>();
        for (LayerLocator l : ServiceLoader.load(LayerLocator.class, loader)) {
            out.putIfAbsent(l.name().toLowerCase(Locale.ROOT), l);
        }
        return out;
    }

    /** Returns the locator called {@code name} on this class's class path, or throws naming the installed ones. */
    public static LayerLocator named(String name) {
        Map<String, LayerLocator> all = all(LayerLocators.class.getClassLoader());
        LayerLocator l = all.get(name.toLowerCase(Locale.ROOT));
        if (l == null) {
            throw new InvalidRequestException("unknown layer locator \"" + name + "\": installed locators are "
                    + String.join(", ", all.keySet()));
        }
        return l;
    }
}
