export default function Page() {
  return (
    <main className="page" id="main">
      <h1>task</h1>
    </main>
  );
}
