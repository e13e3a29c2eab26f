import { RunsTable } from "../components/Workflow/RunsTable";

/** Every run of every workflow, newest first. */
export default function RunsPage() {
  return (
    <main className="page">
      <div className="page-title">
        <h1>Runs</h1>
      </div>
      <RunsTable />
    </main>
  );
}
