package dev.amend.server.editing;

import dev.amend.runtime.plugins.PluginInfo;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Installs and removes plugin jars in the host's plugins directory through the API: a jar is written under a
 * temporary name (which the catalog ignores) and fsynced, checked by the catalog in a child JVM
 * ({@link dev.amend.runtime.plugins.PluginCatalog#vet}), renamed atomically into place, then the catalog rescans.
 * A jar that fails its check or fails to load is not installed: the previous jar of that name (if any) stays or is
 * put back and the caller hears why; one whose code failed is kept in {@code rejected/} with its reason.
 */
@ApplicationScoped
public class PluginDirectory {
    private static final Logger LOG = Logger.getLogger(PluginDirectory.class);
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,190}\\.jar");

    @Inject
    Methods methods;

    /**
     * Returns the catalog's account of jar {@code file} after writing {@code jar} as that file and rescanning;
     * throws {@link InvalidRequestException} for a bad name, an empty body or a jar that fails to load (then the
     * directory is as before).
     */
    public synchronized PluginInfo install(String file, byte[] jar) {
        checkName(file);
        if (jar == null || jar.length == 0) {
            throw new InvalidRequestException("the body is empty: send the plugin jar's bytes"
                    + " (Content-Type: application/octet-stream)");
        }
        Path dir = methods.directory();
        Path target = dir.resolve(file);
        Path staged = null;
        try {
            Files.createDirectories(dir);
            staged = stage(target, jar);
            String refused = methods.catalog().vet(staged, file);
            if (refused != null) {
                LOG.warnf("plugin upload %s refused: %s", file, refused);
                throw new InvalidRequestException("plugin " + file + " was not installed: " + refused
                        + (Files.isRegularFile(target) ? " (the previous " + file + " stays installed)" : ""));
            }
            byte[] previous = Files.isRegularFile(target) ? Files.readAllBytes(target) : null;
            moveIntoPlace(staged, target);
            methods.catalog().refresh();
            PluginInfo info = find(file).orElseThrow(() -> new IllegalStateException("the catalog did not pick up "
                    + target));
            if (info.status() == PluginInfo.Status.FAILED) {
                if (previous != null) {
                    writeAtomically(target, previous);
                } else {
                    Files.deleteIfExists(target);
                }
                methods.catalog().refresh();
                LOG.warnf("plugin upload %s refused: %s", file, info.reason());
                throw new InvalidRequestException("plugin " + file + " was not installed: " + info.reason()
                        + (previous != null ? " (the previous " + file + " stays installed)" : ""));
            }
            LOG.infof("plugin %s installed through the API (%d bytes)", file, jar.length);
            return info;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": check that the plugins directory "
                    + dir + " is writable", e);
        } finally {
            deleteQuietly(staged);
        }
    }

    /**
     * Returns the jars left after deleting jar {@code file} (from the directory, else from {@code rejected/}) and
     * rescanning (edits running on it finish on it); throws {@link NotFoundException} listing the jars when there is
     * no such file.
     */
    public synchronized List<PluginInfo> remove(String file) {
        checkName(file);
        Path target = methods.directory().resolve(file);
        try {
            if (!Files.deleteIfExists(target) && !methods.catalog().forgetRejected(file)) {
                throw new NotFoundException("no plugin jar " + file + " in " + methods.directory() + ": installed are "
                        + methods.plugins().stream().map(p -> p.file().getFileName().toString()).toList());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + target, e);
        }
        methods.catalog().refresh();
        LOG.infof("plugin %s removed through the API", file);
        return methods.plugins();
    }

    /** Returns where jar {@code file} lives in the plugins directory (it may not exist). */
    public Path path(String file) {
        checkName(file);
        return methods.directory().resolve(file);
    }

    private Optional<PluginInfo> find(String file) {
        return methods.plugins().stream().filter(p -> p.file().getFileName().toString().equals(file)).findFirst();
    }

    private static void checkName(String file) {
        if (file == null || file.isBlank()) {
            throw new InvalidRequestException("name the jar file: ?file=NAME.jar (or the header X-Plugin-File)");
        }
        if (!FILE_NAME.matcher(file).matches()) {
            throw new InvalidRequestException("\"" + file + "\" is not a plugin file name: use letters, digits, '.',"
                    + " '_', '+' or '-', not starting with '.', ending in .jar (e.g. my-editor-1.0.jar)");
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = stage(target, bytes);
        try {
            moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Returns a hidden file beside {@code target} (the catalog ignores it) holding {@code bytes}, fsynced. */
    private static Path stage(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }

    private static void moveIntoPlace(Path staged, Path target) throws IOException {
        try {
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            if (p != null) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.debugf("cannot delete %s: %s", p, e);
        }
    }
}
