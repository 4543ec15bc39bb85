import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { TableHead } from '@/components/ui/table';
import { errorMessage } from '@/lib/errors';
import { previewImport, useImportPromoters, type ImportReport } from '../api/import-promoters';
import { MAX_IMPORT_FILE_BYTES, readPromotersCsv } from '../lib/import';

interface Props {
  organizationId: string;
  onClose: () => void;
  onImported: (count: number) => void;
}

/**
 * Import promoters from a CSV file: pick or paste it, see a preview checked by the
 * database (errors per row, generated codes, groups to create), then import all rows or
 * none.
 */
export function ImportPromotersDialog({ organizationId, onClose, onImported }: Props) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const [preview, setPreview] = useState<ImportReport>();
  const [checking, setChecking] = useState(false);
  const importing = useImportPromoters(organizationId, { onSuccess: (report) => onImported(report.imported) });

  async function check(content: string) {
    setPreview(undefined);
    importing.reset();
    const read = readPromotersCsv(content);
    if (read.problem !== undefined) {
      setProblem(read.problem);
      return;
    }
    setProblem(undefined);
    setChecking(true);
    try {
      setPreview(await previewImport(organizationId, read.rows));
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setChecking(false);
    }
  }

  async function chooseFile(file: File | undefined) {
    if (!file) return;
    if (file.size > MAX_IMPORT_FILE_BYTES) {
      setPreview(undefined);
      setProblem('The file is larger than 1 MB. Split it into smaller files.');
      return;
    }
    const content = await file.text();
    setText(content);
    await check(content);
  }

  const bad = preview?.rows_with_errors ?? 0;
  const count = preview?.rows.length ?? 0;

  return (
    <Dialog open title="Import promoters" onClose={onClose} size="lg"
      description="A CSV file with a header row: name (required), code, email, phone, groups (separated by semicolons). Blank codes are generated from the name.">
      <div className="form">
        <Field label="CSV file">
          {(control) => <input {...control} type="file" accept=".csv,text/csv" onChange={(e) => void chooseFile(e.target.files?.[0])} />}
        </Field>
        <Field label="Or paste the CSV here">
          {(control) => (
            <textarea {...control} className="textarea mono" rows={5} maxLength={MAX_IMPORT_FILE_BYTES} value={text} onChange={(e) => setText(e.target.value)} />
          )}
        </Field>
        <div className="form-actions">
          <Button onClick={() => void check(text)} loading={checking} disabled={!text.trim()} disabledReason="Choose a file or paste CSV first.">
            Check rows
          </Button>
        </div>
        <FormError>{problem}</FormError>
        <FormError error={importing.error} />
        {preview ? (
          <>
            <p role="status">
              {bad > 0
                ? `${bad} of ${count} rows have errors. Fix them in the file and check again; nothing is imported until every row is valid.`
                : `${count} promoters are ready to import.`}
              {preview.new_groups.length > 0 ? ` New groups will be created: ${preview.new_groups.join(', ')}.` : ''}
            </p>
            <div className="table-scroll">
              <table className="table" aria-label="Import preview">
                <TableHead columns={['Row', 'Name', 'Code', 'Email', 'Phone', 'Groups', 'Problems']} />
                <tbody>
                  {preview.rows.map((row) => (
                    <tr key={row.row} className={row.errors.length > 0 ? 'table__row--error' : undefined}>
                      <td>{row.row}</td>
                      <td>{row.name}</td>
                      <td className="mono">
                        {row.promo_code}
                        {row.generated ? <small className="muted"> (generated)</small> : null}
                      </td>
                      <td>{row.email}</td>
                      <td>{row.phone}</td>
                      <td>{row.groups.join(', ')}</td>
                      <td>{row.errors.length > 0 ? row.errors.map((error) => error.message).join(' ') : 'OK'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="primary"
            loading={importing.isPending}
            disabled={!preview || bad > 0 || count === 0}
            disabledReason={!preview ? 'Check the rows first.' : 'Fix the rows with errors first.'}
            onClick={() => preview && importing.mutate(preview)}
          >
            {count > 0 ? `Import ${count} promoters` : 'Import'}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
