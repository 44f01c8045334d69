/** What an install step did to one file, for the command's report. */
export interface Action {
  path: string;
  change: 'created' | 'updated' | 'unchanged' | 'kept' | 'removed' | 'restored';
  note?: string;
}
