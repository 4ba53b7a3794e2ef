export default function Page() {
  return (
    <main className="page" id="main">
      <h1>board</h1>
    </main>
  );
}
