/**
 * Label rows for bare label inputs that carry their fused label already: the
 * labels layer's own pieces (withVisibilityTable, toLabelRow), for tests that
 * check them without building run items.
 */
import type { Observable, OperatorFunction } from 'rxjs';
import { softLabelExponent, toLabelRow, withVisibilityTable, type LabelRow, type SoftLabelInput, type VisibilityTable } from '../../src/labels/index.js';

export function labelRows(options: { readonly table: VisibilityTable | Observable<VisibilityTable>; readonly exponent?: number }): OperatorFunction<SoftLabelInput, LabelRow> {
  const exponent = softLabelExponent(options);
  return withVisibilityTable(options.table, (input: SoftLabelInput, table) => toLabelRow(input, table, exponent));
}
