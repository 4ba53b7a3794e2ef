export default function Page() {
  return (
    <main className="page" id="main">
      <h1>workflows</h1>
    </main>
  );
}
