export default function Page() {
  return (
    <main className="page" id="main">
      <h1>settings</h1>
    </main>
  );
}
