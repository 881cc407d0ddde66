package dev.amend.runtime.ledger;

import dev.amend.spi.edit.Edit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What importing a patch records: its edits the history does not hold yet (by their source id, recorded here or
 * imported before), each with its exported info plus {@code imported_from}, and the ids of those it skips.
 *
 * @param edits   the edits to record, in the patch's order
 * @param infos   their info, as they are recorded
 * @param skipped the source ids of the edits the history already holds
 */
record PatchPlan(List<Edit> edits, List<Map<String, Object>> infos, List<String> skipped) {

    /** Returns the plan of importing {@code patch} into a history holding {@code active}. */
    static PatchPlan of(PatchFile.Contents patch, List<LedgerEntry> active) {
        Set<String> present = new HashSet<>();
        for (LedgerEntry e : active) {
            present.add(e.id());
            if (e.info().get("imported_from") instanceof Map<?, ?> from && from.get("id") != null) {
                present.add(String.valueOf(from.get("id")));
            }
        }
        List<Edit> edits = new ArrayList<>();
        List<Map<String, Object>> infos = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (PatchFile.Item item : patch.items()) {
            if (present.contains(item.id())) {
                skipped.add(item.id());
                continue;
            }
            Map<String, Object> info = new LinkedHashMap<>(item.info());
            Map<String, Object> from = new LinkedHashMap<>();
            from.put("id", item.id());
            from.put("sequence", item.sequence());
            from.put("model", patch.model());
            from.put("time", item.time());
            info.put("imported_from", from);
            edits.add(item.edit());
            infos.add(info);
        }
        return new PatchPlan(edits, infos, skipped);
    }
}
