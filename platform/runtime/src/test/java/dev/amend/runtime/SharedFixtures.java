package dev.amend.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds folders under the shared fixture tree: the system property {@code amend.shared.dir} (surefire
 * sets it to {@code <project>/../shared}), then {@code ../shared} from the working directory, then
 * {@code /work/shared}.
 */
public final class SharedFixtures {
    /** System property naming the shared folder. */
    public static final String PROPERTY = "amend.shared.dir";

    private SharedFixtures() {
    }

    /** Returns {@code relative} resolved in the first shared folder that has it as a directory. */
    public static Optional<Path> dir(String relative) {
        for (Path root : roots()) {
            Path candidate = root.resolve(relative).normalize();
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Returns {@code relative} under the shared folder, or skips the calling test when it is absent. */
    public static Path require(String relative) {
        Optional<Path> found = dir(relative);
        Assumptions.assumeTrue(found.isPresent(), () -> "shared/" + relative + " not found: looked in "
                + roots().stream().map(r -> r.resolve(relative).normalize().toString()).toList()
                + " (set -D" + PROPERTY + "=<folder holding fixtures/>)");
        return found.orElseThrow();
    }

    private static List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            roots.add(Path.of(property).toAbsolutePath());
        }
        roots.add(Path.of("..", "shared").toAbsolutePath());
        roots.add(Path.of("/work/shared"));
        return roots;
    }
}
