package dev.amend.runtime.plugins;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The catalog's listeners, and the log of every load, failure and unload. */
final class PluginEvents {
    private static final Logger LOG = LoggerFactory.getLogger(PluginCatalog.class);

    private final List<PluginEvent.Listener> listeners = new CopyOnWriteArrayList<>();

    /** Adds {@code listener}. */
    void add(PluginEvent.Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes {@code listener}; returns whether it was registered. */
    boolean remove(PluginEvent.Listener listener) {
        return listeners.remove(listener);
    }

    /** Logs {@code events} in order and tells every listener of each; a listener that throws is logged. */
    void publish(List<PluginEvent> events) {
        for (PluginEvent e : events) {
            switch (e.kind()) {
                case LOADED -> LOG.info("plugin {} loaded: editors {}, evaluators {}", e.plugin().file(),
                        e.plugin().editors(), e.plugin().evaluators());
                case FAILED -> LOG.warn("plugin {} failed to load: {}", e.plugin().file(), e.plugin().reason());
                case UNLOADED -> LOG.info("plugin {} unloaded (removed or replaced){}", e.plugin().file(),
                        e.plugin().leases() > 0 ? "; " + e.plugin().leases() + " lease(s) keep the old version" : "");
            }
            for (PluginEvent.Listener l : listeners) {
                try {
                    l.onChange(e);
                } catch (RuntimeException ex) {
                    LOG.warn("plugin listener failed: {}", FailureText.of(ex));
                }
            }
        }
    }
}
