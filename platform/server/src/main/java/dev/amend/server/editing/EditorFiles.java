package dev.amend.server.editing;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.MethodProvider;
import dev.amend.spi.hparams.HyperparameterBinder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Keeps the paths a remote caller may give in hyperparameters (those marked {@link dev.amend.spi.hparams.LocalPath},
 * e.g. MEND's {@code editor_path}) inside the host's editors directory ({@code amend.edit.editors-dir}, default
 * {@code <amend.data-dir>/editors}). A relative value is resolved against that directory; anything outside it is
 * refused with one message that neither repeats the path nor depends on whether it exists, so a caller cannot
 * probe the server's files.
 */
@ApplicationScoped
public class EditorFiles {
    @ConfigProperty(name = "amend.edit.editors-dir")
    Optional<Path> editorsDir;

    @ConfigProperty(name = "amend.data-dir")
    Path dataDir;

    @Inject
    Methods methods;

    /** Returns the editors directory, absolute and normalised. */
    public Path directory() {
        return editorsDir.orElseGet(() -> dataDir.resolve("editors")).toAbsolutePath().normalize();
    }

    /**
     * Returns {@code hparams} with every path value of method {@code method} ({@code decorator+base} names both)
     * resolved inside the editors directory, or throws {@link InvalidRequestException} when one lies outside it.
     */
    public Map<String, Object> confine(String method, Map<String, Object> hparams) {
        if (method == null || hparams.isEmpty()) {
            return hparams;
        }
        Map<String, Object> out = new LinkedHashMap<>(hparams);
        for (String part : method.strip().split("\\+", -1)) {
            MethodProvider<?> provider = methods.catalog().registry().editors().get(part.strip());
            if (provider == null || !provider.hyperparameterType().isRecord()) {
                continue; // an unknown method is refused with the list of methods when it is leased
            }
            @SuppressWarnings("unchecked")
            Class<? extends Record> type = (Class<? extends Record>) provider.hyperparameterType();
            HyperparameterBinder.localPaths(type, hparams).forEach((key, value) -> out.put(key, inside(key, value)));
        }
        return out;
    }

    private Object inside(String key, Object value) {
        if (value == null || value instanceof String s && s.isEmpty()) {
            return value;
        }
        if (!(value instanceof String text)) {
            throw new InvalidRequestException("hparams: \"" + key + "\" must be a string naming a file in the host's"
                    + " editors directory");
        }
        Path base = directory();
        try {
            Path resolved = base.resolve(text).normalize();
            if (resolved.startsWith(base) && (!Files.exists(resolved)
                    || resolved.toRealPath().startsWith(base.toRealPath()))) {
                return resolved.toString();
            }
        } catch (InvalidPathException | IOException e) {
            // refused below with the same message as any other path outside the directory
        }
        throw new InvalidRequestException("hparams: \"" + key + "\" must name a file or directory inside the host's"
                + " editors directory (amend.edit.editors-dir), as a name relative to it: ask the host's operator to"
                + " put the trained editor there");
    }
}
